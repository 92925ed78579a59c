import { describe, expect, test, vi } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { abandonableGet } from './support/raw-request.js';
import { startGateway, startStubs, stubsWithGatewayPerTest, METRICS_READER } from './support/gateway.js';

/** /health shows breakers to admins only. */
const ADMIN = tokenFor({ id: 'health-admin', role: 'admin' });

const customer = tokenFor({ id: 'alice', role: 'customer' });

describe('Per-upstream circuit breakers', () => {
  const lane = stubsWithGatewayPerTest();

  const breakerOf = async (url: string, upstream: string, routeClass = 'read') =>
    (
      await request<{ breakers: Record<string, Record<string, string>> }>(url, 'GET', '/health', {
        token: ADMIN,
      })
    ).body.breakers[upstream]?.[routeClass];
  const getOrders = (url: string) => request(url, 'GET', '/api/orders', { token: customer });

  test('When order-service keeps failing, then the breaker opens, fails fast without calling it, probes once half-open and closes on success', async () => {
    const gateway = await lane.start({
      BREAKER_VOLUME_THRESHOLD: '4',
      BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50',
      // Long enough that the five refusals below all land while it is open, even on a loaded machine.
      BREAKER_RESET_TIMEOUT_MS: '2000',
    });
    const { url } = gateway;
    const orders = lane.stubs['order-service'];
    orders.answer = {
      status: 500,
      body: { error: { code: 'internal_error', message: 'Internal server error' } },
    };
    const calls = () => orders.callsTo('/api/orders').length;
    const before = calls();

    // Below the volume threshold the failures pass through and the breaker stays closed.
    for (let i = 0; i < 3; i++) expect((await getOrders(url)).status).toBe(500);
    expect(await breakerOf(url, 'order-service')).toBe('closed');

    expect((await getOrders(url)).status).toBe(500);
    expect(await breakerOf(url, 'order-service')).toBe('open');
    expect(calls() - before).toBe(4);

    // Open: refused at once with Retry-After, and order-service sees nothing.
    for (let i = 0; i < 5; i++) {
      const res = await getOrders(url);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: { code: 'upstream_unavailable' } });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(calls() - before).toBe(4);
    const metrics = await request<string>(url, 'GET', '/metrics', { token: METRICS_READER });
    expect(metrics.body).toMatch(
      /circuit_breaker_state\{[^}]*upstream="order-service",route_class="read"[^}]*\} 2/,
    );
    expect(metrics.body).toMatch(
      /circuit_breaker_events_total\{[^}]*upstream="order-service",route_class="read",event="open"[^}]*\} 1/,
    );

    // Half-open: exactly one probe goes through; the others are still refused while it is in flight.
    orders.answer = { status: 200, body: { data: [] }, delayMs: 300 };
    await vi.waitFor(async () => expect(await breakerOf(url, 'order-service')).toBe('half-open'), {
      timeout: 5000,
      interval: 50,
    });
    const concurrent = await Promise.all([getOrders(url), getOrders(url), getOrders(url)]);
    expect(concurrent.map((res) => res.status).sort()).toEqual([200, 503, 503]);
    expect(calls() - before).toBe(5);

    // The probe succeeded: closed again, traffic flows.
    expect(await breakerOf(url, 'order-service')).toBe('closed');
    orders.answer = { status: 200, body: { data: [] } };
    expect((await getOrders(url)).status).toBe(200);
    expect(calls() - before).toBe(6);
  });

  test('When order-service answers 4xx, then the breaker never opens', async () => {
    const gateway = await lane.start({
      BREAKER_VOLUME_THRESHOLD: '2',
      BREAKER_ERROR_THRESHOLD_PERCENTAGE: '10',
    });
    const orders = lane.stubs['order-service'];
    for (const status of [404, 400, 409, 422]) {
      orders.answer = { status, body: { error: { code: 'client_side', message: 'no' } } };
      for (let i = 0; i < 5; i++) expect((await getOrders(gateway.url)).status).toBe(status);
    }
    expect(await breakerOf(gateway.url, 'order-service')).toBe('closed');
  });

  test('When order-service is slower than its timeout, then 504 upstream_timeout about when the timeout fires', async () => {
    const timeoutMs = 300;
    const gateway = await lane.start({ UPSTREAM_TIMEOUT_MS: String(timeoutMs) });
    lane.stubs['order-service'].answer = { status: 200, body: { late: true }, delayMs: 3000 };
    const started = performance.now();
    const res = await getOrders(gateway.url);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ error: { code: 'upstream_timeout' } });
    // The functional bound of the timeout feature (not a benchmark): well before the 3 s the upstream takes;
    // design asks for timeout + 10 %, with 200 ms of slack for a loaded CI machine.
    expect(elapsed).toBeLessThan(timeoutMs * 1.1 + 200);
  });

  test('When the saga takes longer than UPSTREAM_TIMEOUT_MS, then order-service still answers: it has its own, longer timeout', async () => {
    const gateway = await lane.start({ UPSTREAM_TIMEOUT_MS: '200', ORDER_SERVICE_TIMEOUT_MS: '3000' });
    lane.stubs['order-service'].answer = { status: 202, body: { status: 'PENDING' }, delayMs: 500 };
    lane.stubs['inventory-service'].answer = { status: 200, body: { data: [] }, delayMs: 500 };
    const order = await request(gateway.url, 'POST', '/api/orders', {
      token: customer,
      body: { product_id: 1, quantity: 1 },
    });
    expect(order.status).toBe(202);
    const products = await request(gateway.url, 'GET', '/api/products');
    expect(products.status).toBe(504);
    lane.stubs['inventory-service'].answer = { status: 200, body: { ok: true } };
  });

  test('When the client gives up while the upstream is slow, then the gateway stops waiting without logging an error', async () => {
    const gateway = await lane.start({ UPSTREAM_TIMEOUT_MS: '5000' });
    const orders = lane.stubs['order-service'];
    orders.answer = { status: 200, body: { late: true }, delayMs: 3000 };
    const before = orders.callsTo('/api/orders').length;
    const client = abandonableGet(gateway.url, '/api/orders', { authorization: `Bearer ${customer}` });
    await vi.waitFor(() => expect(orders.callsTo('/api/orders').length).toBe(before + 1), { interval: 10 });
    client.hangUp();
    const { lines } = gateway;
    await vi.waitFor(
      () => expect(lines().some((line) => line.message === 'GET /api/orders 499')).toBe(true),
      {
        interval: 20,
      },
    );
    expect(lines().filter((line) => line.message === 'request failed')).toHaveLength(0);
  });

  test('When the upstream refuses connections, then 503 upstream_unavailable with Retry-After', async () => {
    const lonely = await startStubs();
    await lonely['shipping-service'].close();
    const isolated = await startGateway(lonely);
    try {
      const res = await request(isolated.url, 'GET', '/api/shipments?orderId=1', { token: customer });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: { code: 'upstream_unavailable' } });
      expect(res.headers.get('retry-after')).not.toBeNull();
      expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    } finally {
      await isolated.stop();
      await lonely.closeAll();
    }
  });
});
