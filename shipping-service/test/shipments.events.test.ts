import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { DeadLetter } from '@shop/platform/runtime';
import { request } from '@shop/platform/tools/testing';
import type { Shipment } from '../src/domain/shipment.js';
import {
  adminToken,
  cancelled,
  confirmed,
  customerToken,
  handled,
  outboxEvents,
  startShipping,
  WAIT,
  type RunningShipping,
} from './support/shipping-harness.js';

interface ShipmentList {
  data: Shipment[];
  pagination: { page: number; limit: number; total: number };
}

describe('shipping-service events (embedded transport)', () => {
  let service: RunningShipping;

  beforeAll(async () => {
    service = await startShipping();
  });
  afterAll(async () => {
    await service.stop();
  });

  async function shipmentsOf(orderId: string, token = adminToken): Promise<Shipment[]> {
    const res = await request<ShipmentList>(service.url, 'GET', `/api/shipments?orderId=${orderId}`, {
      token,
    });
    expect(res.status).toBe(200);
    return res.body.data;
  }

  async function scheduledShipment(orderId: string): Promise<Shipment> {
    let shipment: Shipment | undefined;
    await vi.waitFor(async () => {
      [shipment] = await shipmentsOf(orderId);
      expect(shipment).toBeDefined();
    }, WAIT);
    return shipment as Shipment;
  }

  test('When OrderConfirmed arrives, then a SCHEDULED shipment with the event correlation ID is created and ShipmentScheduled is published', async () => {
    const event = confirmed();
    const { orderId, customerId } = event.data;

    await service.orders.publish(event);

    const shipment = await scheduledShipment(orderId);
    expect(shipment).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      orderId,
      customerId,
      carrier: expect.stringMatching(/^(UPS|FedEx|DHL|USPS)$/) as unknown,
      trackingNumber: expect.stringMatching(/^[0-9A-Z]{18}$/) as unknown,
      estimatedDelivery: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown,
      status: 'SCHEDULED',
      correlationId: event.correlationId,
      createdAt: expect.any(String) as unknown,
      updatedAt: expect.any(String) as unknown,
    });
    expect(shipment.estimatedDelivery > shipment.createdAt.slice(0, 10)).toBe(true);
    await vi.waitFor(
      () =>
        expect(service.orders.received.filter((e) => e.data.orderId === orderId)).toEqual([
          expect.objectContaining({
            type: 'ShipmentScheduled',
            source: 'shipping-service',
            correlationId: event.correlationId,
            data: {
              shipmentId: shipment.id,
              orderId,
              customerId,
              carrier: shipment.carrier,
              trackingNumber: shipment.trackingNumber,
              estimatedDelivery: shipment.estimatedDelivery,
            },
          }),
        ]),
      WAIT,
    );
    const logged = service
      .logLines()
      .find((line) => line.message === 'shipment scheduled' && line.orderId === orderId);
    expect(logged?.correlationId).toBe(event.correlationId);
  });

  test('When the customer lists their order, then they see its shipment; another customer sees none', async () => {
    const event = confirmed();
    await service.orders.publish(event);
    const shipment = await scheduledShipment(event.data.orderId);

    const own = await shipmentsOf(event.data.orderId, customerToken(event.data.customerId));
    const other = await shipmentsOf(event.data.orderId, customerToken(randomUUID()));

    expect(own.map((s) => s.id)).toEqual([shipment.id]);
    expect(other).toEqual([]);
  });

  test('When the same OrderConfirmed is delivered twice (and again under a new event id), then one shipment and one ShipmentScheduled exist', async () => {
    const event = confirmed();
    const again = confirmed(event.data.orderId, event.data.customerId);

    await service.orders.publish(event);
    await service.orders.publish(event);
    await service.orders.publish(again);
    await vi.waitFor(() => expect(handled(service.db, again.id)).toBe(true), WAIT);
    await vi.waitFor(() => expect(handled(service.db, event.id)).toBe(true), WAIT);

    expect(await shipmentsOf(event.data.orderId)).toHaveLength(1);
    expect(outboxEvents(service.db, event.data.orderId).map((e) => e.type)).toEqual(['ShipmentScheduled']);
  });

  test('When OrderCancelled arrives before OrderConfirmed, then no shipment is ever scheduled', async () => {
    const confirmation = confirmed();
    const cancellation = cancelled(confirmation.data.orderId, confirmation.data.customerId);

    await service.orders.publish(cancellation);
    await vi.waitFor(() => expect(handled(service.db, cancellation.id)).toBe(true), WAIT);
    await service.orders.publish(confirmation);
    await vi.waitFor(() => expect(handled(service.db, confirmation.id)).toBe(true), WAIT);

    expect(await shipmentsOf(confirmation.data.orderId)).toEqual([]);
    expect(outboxEvents(service.db, confirmation.data.orderId)).toEqual([]);
    const logged = service
      .logLines()
      .find((line) => line.orderId === confirmation.data.orderId && line['log.level'] === 'warn');
    expect(logged?.correlationId).toBe(confirmation.correlationId);
  });

  test('When a scheduled order is cancelled, then its shipment is CANCELLED and ShipmentStatusChanged is published', async () => {
    const confirmation = confirmed();
    const { orderId, customerId } = confirmation.data;
    await service.orders.publish(confirmation);
    const shipment = await scheduledShipment(orderId);
    const cancellation = cancelled(orderId, customerId);

    await service.orders.publish(cancellation);

    await vi.waitFor(async () => expect((await shipmentsOf(orderId))[0]?.status).toBe('CANCELLED'), WAIT);
    await vi.waitFor(
      () =>
        expect(
          service.orders.received.filter(
            (e) => e.type === 'ShipmentStatusChanged' && e.data.orderId === orderId,
          ),
        ).toEqual([
          expect.objectContaining({
            correlationId: cancellation.correlationId,
            data: {
              shipmentId: shipment.id,
              orderId,
              customerId,
              status: 'CANCELLED',
              previousStatus: 'SCHEDULED',
            },
          }),
        ]),
      WAIT,
    );
  });

  test('When an order is cancelled after its shipment left, then the shipment stays IN_TRANSIT', async () => {
    const confirmation = confirmed();
    const { orderId, customerId } = confirmation.data;
    await service.orders.publish(confirmation);
    const shipment = await scheduledShipment(orderId);
    const moved = await request(service.url, 'PATCH', `/api/shipments/${shipment.id}`, {
      token: adminToken,
      body: { status: 'IN_TRANSIT' },
    });
    expect(moved.status).toBe(200);
    const cancellation = cancelled(orderId, customerId);

    await service.orders.publish(cancellation);
    await vi.waitFor(() => expect(handled(service.db, cancellation.id)).toBe(true), WAIT);

    expect((await shipmentsOf(orderId))[0]?.status).toBe('IN_TRANSIT');
    expect(outboxEvents(service.db, orderId).map((e) => [e.type, e.data.status])).toEqual([
      ['ShipmentScheduled', undefined],
      ['ShipmentStatusChanged', 'IN_TRANSIT'],
    ]);
  });

  async function deadLetterOf(eventId: string) {
    let letter: DeadLetter | undefined;
    await vi.waitFor(async () => {
      letter = (await service.bus.transport.listDeadLetters('shipping-service')).find(
        (candidate) => candidate.eventId === eventId,
      );
      expect(letter).toBeDefined();
    }, WAIT);
    return letter as DeadLetter;
  }

  test('When OrderConfirmed is about an order order-service does not know, then no shipment is created and the event is dead-lettered as unknown_aggregate', async () => {
    const event = confirmed();

    await service.orders.publish(event, { orderExists: false });

    const letter = await deadLetterOf(event.id);
    expect(letter).toMatchObject({ reason: 'unknown_aggregate', attempts: 1 });
    expect(letter.error).toBe(`order ${event.data.orderId} does not exist at order-service`);
    expect(service.orders.http.calls.map((call) => call.path)).toContain(
      `/internal/orders/${event.data.orderId}`,
    );
    expect(handled(service.db, event.id)).toBe(false);
    expect(await shipmentsOf(event.data.orderId)).toEqual([]);
    expect(outboxEvents(service.db, event.data.orderId)).toEqual([]);
  });

  test('When OrderConfirmed contradicts the order (still PENDING, or another customer), then nothing is scheduled and it is dead-lettered as aggregate_mismatch', async () => {
    const pending = confirmed();
    service.orders.http.orders.set(pending.data.orderId, {
      id: pending.data.orderId,
      customerId: pending.data.customerId,
      status: 'PENDING',
    });
    const stolen = confirmed();
    service.orders.http.orders.set(stolen.data.orderId, {
      id: stolen.data.orderId,
      customerId: randomUUID(),
      status: 'CONFIRMED',
    });

    await service.orders.publish(pending, { orderExists: false });
    await service.orders.publish(stolen, { orderExists: false });

    expect(await deadLetterOf(pending.id)).toMatchObject({
      reason: 'aggregate_mismatch',
      error: `order ${pending.data.orderId} is PENDING at order-service, not confirmed`,
    });
    expect(await deadLetterOf(stolen.id)).toMatchObject({ reason: 'aggregate_mismatch' });
    expect(await shipmentsOf(pending.data.orderId)).toEqual([]);
    expect(await shipmentsOf(stolen.data.orderId)).toEqual([]);
  });

  test('When OrderCancelled is about an unknown order, then no cancellation is remembered and it is dead-lettered', async () => {
    const confirmation = confirmed();
    const cancellation = cancelled(confirmation.data.orderId, confirmation.data.customerId);

    await service.orders.publish(cancellation, { orderExists: false });

    expect(await deadLetterOf(cancellation.id)).toMatchObject({ reason: 'unknown_aggregate' });
    expect(
      service.db
        .prepare('SELECT COUNT(*) FROM cancelled_orders WHERE order_id = ?')
        .pluck()
        .get(confirmation.data.orderId),
    ).toBe(0);
  });

  test('When order-service cannot answer, then the event is retried, dead-lettered as failed once the retries are spent, and applied when replayed', async () => {
    const event = confirmed();
    service.orders.http.unavailable = 503;
    try {
      await service.orders.publish(event);
      const letter = await deadLetterOf(event.id);
      expect(letter).toMatchObject({ reason: 'failed', attempts: 3 });
      expect(
        service.orders.http.calls.filter((call) => call.path === `/internal/orders/${event.data.orderId}`),
      ).toHaveLength(3);
    } finally {
      service.orders.http.unavailable = undefined;
    }

    await service.bus.transport.replayDeadLetters('shipping-service', [event.id]);

    expect((await scheduledShipment(event.data.orderId)).status).toBe('SCHEDULED');
  });

  test('When an event is invalid for the catalogue, then it is dead-lettered and never handled', async () => {
    const event = confirmed();
    const broken = { ...event, data: { ...event.data, totalCents: -1 } };

    await service.orders.publish(broken);

    await vi.waitFor(
      async () =>
        expect(
          (await service.bus.transport.listDeadLetters('shipping-service')).map((d) => d.eventId),
        ).toContain(event.id),
      WAIT,
    );
    expect(handled(service.db, event.id)).toBe(false);
    expect(await shipmentsOf(event.data.orderId)).toEqual([]);
  });
});
