import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import {
  startGateway,
  startStubs,
  type RunningGateway,
  type Stubs,
  METRICS_READER,
} from './support/gateway.js';
import type { StubAnswer } from './support/upstream-stub.js';

const PART_TIMEOUT_MS = 300;
const customerId = randomUUID();
const token = tokenFor({ id: customerId, role: 'customer' });

interface Dashboard {
  profile: { id: string } | null;
  orders: unknown[] | null;
  shipments: { id: string; status: string }[] | null;
  notifications: unknown[] | null;
  featuredProducts: { id: number; stock: number }[] | null;
  degraded: string[];
  error?: { code: string };
}

const page = (data: unknown[]) => ({
  status: 200,
  body: { data, pagination: { page: 1, limit: 20, total: data.length } },
});

/** Every owner answers as the real one would for this customer. */
function healthy(stubs: Stubs): void {
  stubs['customer-service'].answer = {
    status: 200,
    body: { id: customerId, email: 'ann@example.test', name: 'Ann' },
  };
  stubs['order-service'].answer = page([{ id: 'o-2' }, { id: 'o-1' }]);
  stubs['shipping-service'].answer = (req): StubAnswer =>
    req.url.includes('status=SCHEDULED')
      ? page([{ id: 's-1', status: 'SCHEDULED', createdAt: '2026-01-01T00:00:00.000Z' }])
      : page([{ id: 's-2', status: 'IN_TRANSIT', createdAt: '2026-01-02T00:00:00.000Z' }]);
  stubs['notification-service'].answer = page([{ id: 'n-1', readAt: null }]);
  stubs['inventory-service'].answer = page([
    { id: 1, stock: 0 },
    { id: 2, stock: 5 },
    { id: 3, stock: 1 },
    { id: 4, stock: 2 },
    { id: 5, stock: 9 },
    { id: 6, stock: 3 },
  ]);
}

let stubs: Awaited<ReturnType<typeof startStubs>>;
let gateway: RunningGateway;

beforeAll(async () => {
  stubs = await startStubs();
  gateway = await startGateway(stubs, {
    DASHBOARD_PART_TIMEOUT_MS: String(PART_TIMEOUT_MS),
    BREAKER_VOLUME_THRESHOLD: '3',
    BREAKER_RESET_TIMEOUT_MS: '60000',
  });
});
afterAll(async () => {
  await gateway.stop();
  await stubs.closeAll();
});
afterEach(() => healthy(stubs));

async function dashboard(headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await request<Dashboard>(gateway.url, 'GET', '/api/customers/me/dashboard', {
    token,
    headers,
  });
  return { ...res, elapsedMs: performance.now() - started };
}

describe('GET /api/customers/me/dashboard', () => {
  test('When every part answers, then 200 with all five parts, none degraded, each asked with the caller’s token and id', async () => {
    healthy(stubs);
    const res = await dashboard({ 'x-correlation-id': 'dash-all-parts' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      profile: { id: customerId },
      orders: [{ id: 'o-2' }, { id: 'o-1' }],
      notifications: [{ id: 'n-1' }],
      degraded: [],
    });
    // Open shipments of both statuses, newest first; featured products only with stock.
    expect(res.body.shipments?.map((s) => s.id)).toEqual(['s-2', 's-1']);
    expect(res.body.featuredProducts?.map((p) => p.id)).toEqual([2, 3, 4, 5]);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const orders = stubs['order-service'].requests.at(-1);
    expect(orders?.url).toBe(`/api/orders?customerId=${customerId}&limit=5`);
    expect(orders?.headers.authorization).toBe(`Bearer ${token}`);
    expect(orders?.headers['x-correlation-id']).toBe('dash-all-parts');
    expect(stubs['notification-service'].requests.at(-1)?.url).toContain('unread=true');
    expect(stubs['customer-service'].requests.at(-1)?.url).toBe('/api/customers/me');
  });

  test('When shipping does not answer, then 200 within the part deadline with shipments null and degraded ["shipments"]', async () => {
    healthy(stubs);
    stubs['shipping-service'].answer = { status: 200, body: { data: [] }, delayMs: 5000 };

    const res = await dashboard();

    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual(['shipments']);
    expect(res.body.shipments).toBeNull();
    expect(res.body.orders).not.toBeNull();
    expect(res.body.profile).not.toBeNull();
    expect(res.elapsedMs).toBeLessThan(PART_TIMEOUT_MS + 1500);
    expect(gateway.lines().some((line) => line.message === 'Dashboard part degraded')).toBe(true);
  });

  test('When several parts fail in different ways, then each is null and named, in the order of the answer', async () => {
    healthy(stubs);
    stubs['order-service'].answer = { status: 500, body: { error: { code: 'internal' } } };
    stubs['inventory-service'].answer = { status: 200, body: 'not a page' };

    const res = await dashboard();

    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual(['orders', 'featuredProducts']);
    expect(res.body.orders).toBeNull();
    expect(res.body.featuredProducts).toBeNull();
    expect(res.body.notifications).not.toBeNull();
  });

  test('When the profile cannot be had, then the dashboard is an error: 503 when customer-service fails, its 404 when the customer is gone', async () => {
    healthy(stubs);
    stubs['customer-service'].answer = {
      status: 404,
      body: { error: { code: 'not_found', message: 'Customer not found' } },
    };
    const gone = await dashboard();
    stubs['customer-service'].answer = { status: 200, body: {}, delayMs: 5000 };
    const slow = await dashboard();

    expect(gone.status).toBe(404);
    expect(gone.body.error?.code).toBe('profile_unavailable');
    expect(slow.status).toBe(504);
    expect(slow.body.error?.code).toBe('upstream_timeout');
  });

  test('When a part keeps failing, then its own breaker opens and it degrades at once; the other parts and the proxied route are untouched', async () => {
    healthy(stubs);
    stubs['notification-service'].answer = { status: 503, body: 'down' };
    // The window also holds the earlier tests' successes: enough failures to pass the 50 % threshold.
    for (let i = 0; i < 12; i++) expect((await dashboard()).body.degraded).toEqual(['notifications']);
    const calls = stubs['notification-service'].requests.length;

    const res = await dashboard();

    expect(res.body.degraded).toEqual(['notifications']);
    expect(stubs['notification-service'].requests.length).toBe(calls); // refused by the open breaker
    const metrics = (await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER })).body;
    expect(metrics).toMatch(
      /circuit_breaker_state\{[^}]*upstream="notification-service"[^}]*route_class="dashboard"[^}]*\} 2/,
    );
    expect(metrics).toMatch(
      /circuit_breaker_state\{[^}]*upstream="notification-service"[^}]*route_class="read"[^}]*\} 0/,
    );
    expect(metrics).toMatch(
      /dashboard_parts_total\{[^}]*part="notifications"[^}]*outcome="degraded"[^}]*\} [1-9]/,
    );
  });

  test('When the caller has no token, then 401 and no part is asked', async () => {
    const before = stubs['customer-service'].requests.length;
    const res = await request<Dashboard>(gateway.url, 'GET', '/api/customers/me/dashboard');
    expect(res.status).toBe(401);
    expect(stubs['customer-service'].requests.length).toBe(before);
  });

  test('When another method is used, then 405 with Allow', async () => {
    const res = await request(gateway.url, 'POST', '/api/customers/me/dashboard', { token, body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});
