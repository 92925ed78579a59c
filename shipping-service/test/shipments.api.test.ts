import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import type { Shipment } from '../src/domain/shipment.js';
import {
  adminToken,
  customerToken,
  outboxEvents,
  startShipping,
  type RunningShipping,
} from './support/shipping-harness.js';

interface ShipmentList {
  data: Shipment[];
  pagination: { page: number; limit: number; total: number };
}

interface ErrorBody {
  error: { code: string; message: string; correlationId: string; details?: unknown };
}

let service: RunningShipping;

beforeAll(async () => {
  service = await startShipping();
});
afterAll(async () => {
  await service.stop();
});

/** Arranges a shipment directly through the use case, in one transaction as the OrderConfirmed handler does. */
function scheduled(customerId: string = randomUUID()): Shipment {
  const result = service.db.transaction(() =>
    service.shipping.scheduleShipment({ orderId: randomUUID(), customerId }, `arrange-${randomUUID()}`),
  )();
  if (result.outcome !== 'scheduled') throw new Error(`not scheduled: ${result.outcome}`);
  return result.shipment;
}

function patch(
  id: string,
  body: unknown,
  token: string | null = adminToken,
  headers: Record<string, string> = {},
) {
  return request<Shipment & ErrorBody>(service.url, 'PATCH', `/api/shipments/${id}`, {
    body,
    headers,
    ...(token === null ? {} : { token }),
  });
}

describe('PATCH /api/shipments/:id', () => {
  test('When an admin moves a shipment to IN_TRANSIT then DELIVERED, then each step is stored and announced with the request correlation ID', async () => {
    const shipment = scheduled();

    const inTransit = await patch(shipment.id, { status: 'IN_TRANSIT' }, adminToken, {
      'x-correlation-id': 'ship-1',
    });
    const delivered = await patch(shipment.id, { status: 'DELIVERED' }, adminToken, {
      'x-correlation-id': 'ship-2',
    });

    expect(inTransit.status).toBe(200);
    expect(inTransit.body).toEqual({
      ...shipment,
      status: 'IN_TRANSIT',
      updatedAt: expect.any(String) as unknown,
    });
    expect(delivered.status).toBe(200);
    expect(delivered.body.status).toBe('DELIVERED');
    const stored = await request<Shipment>(service.url, 'GET', `/api/shipments/${shipment.id}`, {
      token: adminToken,
    });
    expect(stored.body.status).toBe('DELIVERED');
    expect(stored.body.correlationId).toBe(shipment.correlationId);
    expect(
      outboxEvents(service.db, shipment.orderId)
        .filter((event) => event.type === 'ShipmentStatusChanged')
        .map((event) => [event.correlationId, event.data.status, event.data.previousStatus]),
    ).toEqual([
      ['ship-1', 'IN_TRANSIT', 'SCHEDULED'],
      ['ship-2', 'DELIVERED', 'IN_TRANSIT'],
    ]);
  });

  test.each([
    { from: 'SCHEDULED', path: [], to: 'DELIVERED' },
    { from: 'IN_TRANSIT', path: ['IN_TRANSIT'], to: 'IN_TRANSIT' },
    { from: 'DELIVERED', path: ['IN_TRANSIT', 'DELIVERED'], to: 'IN_TRANSIT' },
  ] as const)(
    'When a $from shipment is moved to $to, then 409 invalid_transition and nothing changes',
    async ({ path, to }) => {
      const shipment = scheduled();
      for (const step of path) expect((await patch(shipment.id, { status: step })).status).toBe(200);
      const eventsBefore = outboxEvents(service.db, shipment.orderId).length;

      const res = await patch(shipment.id, { status: to });

      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_transition');
      expect(outboxEvents(service.db, shipment.orderId)).toHaveLength(eventsBefore);
    },
  );

  test('When a cancelled shipment is moved forward, then 409 invalid_transition', async () => {
    const shipment = scheduled();
    service.db.transaction(() =>
      service.shipping.cancelForOrder(
        { orderId: shipment.orderId, customerId: shipment.customerId, reason: 'test' },
        'c',
      ),
    )();

    const res = await patch(shipment.id, { status: 'IN_TRANSIT' });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_transition');
  });

  test('When the owner (a customer) tries to move their shipment, then 403 and nothing changes', async () => {
    const shipment = scheduled();

    const res = await patch(shipment.id, { status: 'IN_TRANSIT' }, customerToken(shipment.customerId));

    expect(res.status).toBe(403);
    expect(service.shipping.find(shipment.id)?.status).toBe('SCHEDULED');
  });

  test('When nobody is logged in, then 401', async () => {
    const res = await patch(scheduled().id, { status: 'IN_TRANSIT' }, null);

    expect(res.status).toBe(401);
  });

  test.each([
    [{ status: 'CANCELLED' }],
    [{ status: 'SCHEDULED' }],
    [{}],
    [{ status: 'IN_TRANSIT', carrier: 'DHL' }],
  ])('When the body is %j, then 400 validation_failed', async (body) => {
    const res = await patch(scheduled().id, body);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('When the id is not a UUID, then 400; when it is unknown, then 404', async () => {
    expect((await patch('42', { status: 'IN_TRANSIT' })).status).toBe(400);
    expect((await patch(randomUUID(), { status: 'IN_TRANSIT' })).status).toBe(404);
  });
});

describe('GET /api/shipments/:id', () => {
  test('When the owner or an admin asks, then 200; another customer gets 404', async () => {
    const shipment = scheduled();
    const get = (token: string) =>
      request<Shipment>(service.url, 'GET', `/api/shipments/${shipment.id}`, { token });

    const owner = await get(customerToken(shipment.customerId));
    const admin = await get(adminToken);
    const other = await get(customerToken(randomUUID()));

    expect(owner.status).toBe(200);
    expect(owner.body).toEqual(shipment);
    expect(admin.status).toBe(200);
    expect(other.status).toBe(404);
  });

  test('When a service token asks, then 403 (shipments are not a service-to-service resource)', async () => {
    const token = tokenFor({ id: 'service:order-service', role: 'service' });
    const res = await request(service.url, 'GET', `/api/shipments/${scheduled().id}`, { token });

    expect(res.status).toBe(403);
  });
});

describe('GET /api/shipments', () => {
  test('When a customer lists, then only their shipments come back, whatever customerId they ask for', async () => {
    const customerId = randomUUID();
    const mine = [scheduled(customerId), scheduled(customerId)];
    const someoneElse = scheduled();

    const all = await request<ShipmentList>(service.url, 'GET', '/api/shipments', {
      token: customerToken(customerId),
    });
    const widened = await request<ShipmentList>(
      service.url,
      'GET',
      `/api/shipments?customerId=${someoneElse.customerId}`,
      { token: customerToken(customerId) },
    );

    expect(all.status).toBe(200);
    expect(all.body.data.map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
    expect(all.body.pagination).toEqual({ page: 1, limit: 20, total: 2 });
    expect(widened.body.data).toEqual([]);
  });

  test('When an admin lists with a customerId filter and pagination, then pages of that customer come back', async () => {
    const customerId = randomUUID();
    const created = [scheduled(customerId), scheduled(customerId), scheduled(customerId)];

    const first = await request<ShipmentList>(
      service.url,
      'GET',
      `/api/shipments?customerId=${customerId}&limit=2`,
      {
        token: adminToken,
      },
    );
    const second = await request<ShipmentList>(
      service.url,
      'GET',
      `/api/shipments?customerId=${customerId}&limit=2&page=2`,
      { token: adminToken },
    );

    expect(first.body.pagination).toEqual({ page: 1, limit: 2, total: 3 });
    expect(first.body.data).toHaveLength(2);
    expect(second.body.data).toHaveLength(1);
    expect([...first.body.data, ...second.body.data].map((s) => s.id).sort()).toEqual(
      created.map((s) => s.id).sort(),
    );
  });

  test('When an admin lists without a filter, then shipments of every customer come back', async () => {
    const a = scheduled();
    const b = scheduled();

    const res = await request<ShipmentList>(service.url, 'GET', '/api/shipments?limit=100', {
      token: adminToken,
    });

    expect(res.body.data.map((s) => s.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(res.body.pagination.total).toBeGreaterThanOrEqual(2);
  });

  test.each(['orderId=42', 'status=LOST', 'limit=101', 'page=0', 'sort=id'])(
    'When the query is %s, then 400 validation_failed',
    async (query) => {
      const res = await request<ErrorBody>(service.url, 'GET', `/api/shipments?${query}`, {
        token: adminToken,
      });

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  test('When nobody is logged in, then 401', async () => {
    expect((await request(service.url, 'GET', '/api/shipments')).status).toBe(401);
  });
});

describe('GET /health/ready', () => {
  test('When the database and the embedded bus are up, then ready with a broker check', async () => {
    const res = await request<{ status: string; checks: Record<string, { ok: boolean; detail?: string }> }>(
      service.url,
      'GET',
      '/health/ready',
    );

    expect(res.status).toBe(200);
    expect(res.body.checks.broker).toEqual({ ok: true, detail: 'embedded connected' });
  });
});
