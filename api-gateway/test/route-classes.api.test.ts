import { describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { startGateway, startStubs, stubsWithGatewayPerTest, METRICS_READER } from './support/gateway.js';
import type { StubAnswer } from './support/upstream-stub.js';

/** /health shows breakers to admins only. */
const ADMIN = tokenFor({ id: 'health-admin', role: 'admin' });

const customerA = tokenFor({ id: 'customer-a', role: 'customer' });
const customerB = tokenFor({ id: 'customer-b', role: 'customer' });
const admin = tokenFor({ id: 'admin-1', role: 'admin' });

/** order-service's answer when payment is down: prompt, structured, Retry-After (see order-service README). */
const DEPENDENCY_UNAVAILABLE: StubAnswer = {
  status: 503,
  headers: { 'retry-after': '5' },
  body: {
    error: {
      code: 'dependency_unavailable',
      message: 'A service needed to place the order is unavailable; the order was cancelled, retry later',
      correlationId: 'from-order-service',
      details: { orderId: 'o-1' },
    },
  },
};
const SERVER_ERROR: StubAnswer = {
  status: 500,
  body: { error: { code: 'internal_error', message: 'Internal server error' } },
};
const ORDERS_PAGE: StubAnswer = { status: 200, body: { data: [], pagination: { total: 0 } } };

/** Tight breakers so a handful of calls decide; a long reset so nothing half-opens during a test. */
const BREAKERS = {
  BREAKER_VOLUME_THRESHOLD: '4',
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: '50',
  BREAKER_RESET_TIMEOUT_MS: '30000',
};

interface Health {
  breakers: Record<string, Record<string, string>>;
}

describe('Route classes: reads, writes and the chaos switch each have their own lane to an upstream', () => {
  const lane = stubsWithGatewayPerTest();

  const breakers = async (url: string) =>
    (await request<Health>(url, 'GET', '/health', { token: ADMIN })).body.breakers;
  const placeOrder = (url: string, token = customerA) =>
    request(url, 'POST', '/api/orders', { token, body: { items: [{ productId: 1, quantity: 1 }] } });
  const listOrders = (url: string) => request(url, 'GET', '/api/orders', { token: customerB });

  /** order-service answers writes with `write` and reads with a page of orders. */
  function orderService(write: StubAnswer): void {
    lane.stubs['order-service'].answer = (req) => (req.method === 'GET' ? ORDERS_PAGE : write);
  }

  test('When customer A places 12 orders that order-service answers 503 dependency_unavailable, then every one is passed through, no breaker opens, and customer B reads 200 throughout', async () => {
    const gateway = await lane.start(BREAKERS);
    const { url } = gateway;
    orderService(DEPENDENCY_UNAVAILABLE);
    const writesBefore = lane.stubs['order-service'].requests.filter((r) => r.method === 'POST').length;

    const reads: number[] = [];
    for (let i = 0; i < 12; i++) {
      const placed = await placeOrder(url);
      expect(placed.status).toBe(503);
      expect(placed.body).toMatchObject({ error: { code: 'dependency_unavailable' } });
      expect(placed.headers.get('retry-after')).toBe('5');
      reads.push((await listOrders(url)).status);
    }

    expect(reads).toEqual(Array.from({ length: 12 }, () => 200));
    // Every order reached order-service: nothing was short-circuited.
    expect(
      lane.stubs['order-service'].requests.filter((r) => r.method === 'POST').length - writesBefore,
    ).toBe(12);
    expect((await breakers(url))['order-service']).toEqual({ read: 'closed', write: 'closed' });
    const metrics = (await request<string>(url, 'GET', '/metrics', { token: METRICS_READER })).body;
    expect(metrics).toMatch(
      /upstream_outcomes_total\{[^}]*upstream="order-service",route_class="write",outcome="dependency_unavailable",breaker="success"[^}]*\} 12/,
    );
  });

  test('When order-service itself fails its writes (500), then its write breaker opens and fails fast, while reads keep answering 200 through the closed read breaker', async () => {
    const gateway = await lane.start(BREAKERS);
    const { url } = gateway;
    orderService(SERVER_ERROR);

    for (let i = 0; i < 4; i++) expect((await placeOrder(url)).status).toBe(500);
    const writesSeen = lane.stubs['order-service'].requests.filter((r) => r.method === 'POST').length;
    const refused = await placeOrder(url);

    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'upstream_unavailable' } });
    expect(lane.stubs['order-service'].requests.filter((r) => r.method === 'POST')).toHaveLength(writesSeen);
    for (let i = 0; i < 5; i++) expect((await listOrders(url)).status).toBe(200);
    expect((await breakers(url))['order-service']).toEqual({ read: 'closed', write: 'open' });
    const metrics = (await request<string>(url, 'GET', '/metrics', { token: METRICS_READER })).body;
    expect(metrics).toMatch(
      /circuit_breaker_state\{[^}]*upstream="order-service",route_class="write"[^}]*\} 2/,
    );
    expect(metrics).toMatch(
      /circuit_breaker_state\{[^}]*upstream="order-service",route_class="read"[^}]*\} 0/,
    );
  });

  test('When order-service fails everything (500 on reads too), then the read breaker opens as well: a failing upstream is still a failure', async () => {
    const gateway = await lane.start(BREAKERS);
    const { url } = gateway;
    lane.stubs['order-service'].answer = SERVER_ERROR;

    for (let i = 0; i < 4; i++) expect((await listOrders(url)).status).toBe(500);
    const refused = await listOrders(url);

    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'upstream_unavailable' } });
    expect((await breakers(url))['order-service']?.read).toBe('open');
  });

  test('When order-service refuses connections, then both lanes answer 503 upstream_unavailable and both breakers open', async () => {
    const lonely = await startStubs();
    await lonely['order-service'].close();
    const isolated = await startGateway(lonely, BREAKERS);
    try {
      for (let i = 0; i < 4; i++) {
        expect((await placeOrder(isolated.url)).status).toBe(503);
        expect((await listOrders(isolated.url)).status).toBe(503);
      }
      expect((await breakers(isolated.url))['order-service']).toEqual({ read: 'open', write: 'open' });
    } finally {
      await isolated.stop();
      await lonely.closeAll();
    }
  });

  test('When order-service writes hang, then they fill only the write bulkhead: the next write is refused at once and reads still answer 200', async () => {
    const gateway = await lane.start({
      ...BREAKERS,
      UPSTREAM_MAX_CONCURRENT: '2',
      ORDER_SERVICE_TIMEOUT_MS: '5000',
    });
    const { url } = gateway;
    orderService({ status: 202, body: { status: 'PENDING' }, delayMs: 1500 });
    const hanging = [placeOrder(url), placeOrder(url)];
    await waitUntil(
      () => lane.stubs['order-service'].requests.filter((r) => r.method === 'POST').length >= 2,
    );

    const third = await placeOrder(url);
    // Two at a time: the read lane has its own bulkhead of two.
    const reads = [
      ...(await Promise.all([listOrders(url), listOrders(url)])),
      ...(await Promise.all([listOrders(url), listOrders(url)])),
    ];

    expect(third.status).toBe(503);
    expect(third.body).toMatchObject({ error: { code: 'upstream_unavailable' } });
    expect(reads.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect((await Promise.all(hanging)).map((res) => res.status)).toEqual([202, 202]);
  });

  test('When inventory-service has both its breakers open, then the chaos routes (GET, POST, DELETE) still reach it', async () => {
    const gateway = await lane.start({ ...BREAKERS, CHAOS_ENABLED: 'true' });
    const { url } = gateway;
    const inventory = lane.stubs['inventory-service'];
    inventory.answer = (req) => {
      if (req.url === '/chaos') {
        if (req.method === 'DELETE') return { status: 204 };
        if (req.method === 'POST') return { status: 201, body: { active: { errorRate: 1 } } };
        return { status: 200, body: { active: null } };
      }
      return SERVER_ERROR;
    };
    for (let i = 0; i < 4; i++) {
      await request(url, 'GET', '/api/products');
      await request(url, 'POST', '/api/products', { token: admin, body: { name: 'x' } });
    }
    expect((await breakers(url))['inventory-service']).toEqual({ read: 'open', write: 'open' });
    expect((await request(url, 'GET', '/api/products')).status).toBe(503);

    const inject = await request(url, 'POST', '/admin/chaos/inventory', {
      token: admin,
      body: { errorRate: 1, durationMs: 1000 },
    });
    const look = await request(url, 'GET', '/admin/chaos/inventory-service', { token: admin });
    const heal = await request(url, 'DELETE', '/admin/chaos/inventory-service', { token: admin });

    expect([inject.status, look.status, heal.status]).toEqual([201, 200, 204]);
    expect(inventory.callsTo('/chaos').map((r) => r.method)).toEqual(['POST', 'GET', 'DELETE']);
  });

  test('When the chaos switch of a service fails repeatedly, then it is never short-circuited: an operator can always retry it', async () => {
    const gateway = await lane.start({ ...BREAKERS, CHAOS_ENABLED: 'true' });
    const { url } = gateway;
    lane.stubs['payment-service'].answer = SERVER_ERROR;

    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await request(url, 'DELETE', '/admin/chaos/payment', { token: admin })).status);
    }

    expect(statuses).toEqual(Array.from({ length: 8 }, () => 500));
    expect(lane.stubs['payment-service'].callsTo('/chaos')).toHaveLength(8);
  });
});

describe('Gateway retries: one overall deadline per call', () => {
  const lane = stubsWithGatewayPerTest();

  const products = (url: string) => request(url, 'GET', '/api/products');
  const attempts = () => lane.stubs['inventory-service'].callsTo('/api/products').length;

  test('When a GET hangs with 2 retries configured, then it is tried once and answers 504 within UPSTREAM_TIMEOUT_MS, not three timeouts later', async () => {
    const gateway = await lane.start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '400' });
    lane.stubs['inventory-service'].answer = { status: 200, body: { late: true }, delayMs: 5000 };
    const before = attempts();

    const started = performance.now();
    const res = await products(gateway.url);
    const elapsed = performance.now() - started;

    expect(res.status).toBe(504);
    expect(attempts() - before).toBe(1);
    // The deadline as a correctness bound, with slack for a busy machine; three attempts would take 1200 ms.
    expect(elapsed).toBeLessThan(400 + 500);
  });

  test('When each attempt may take part of the budget, then the last attempt gets only what is left', async () => {
    const gateway = await lane.start({
      UPSTREAM_RETRIES: '2',
      UPSTREAM_TIMEOUT_MS: '520',
      UPSTREAM_ATTEMPT_TIMEOUT_MS: '300',
    });
    lane.stubs['inventory-service'].answer = { status: 200, body: { late: true }, delayMs: 5000 };
    const before = attempts();

    const res = await products(gateway.url);

    expect(res.status).toBe(504);
    // 300 ms, a backoff of at most 50 ms, then the ~200 ms left for the second attempt: nothing for a third.
    expect(attempts() - before).toBe(2);
  });

  test('When a GET fails fast, then every retry fits in the budget and the last answer is passed on', async () => {
    const gateway = await lane.start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '2000' });
    lane.stubs['inventory-service'].answer = SERVER_ERROR;
    const before = attempts();

    const res = await products(gateway.url);

    expect(res.status).toBe(500);
    expect(attempts() - before).toBe(3);
  });
});

async function waitUntil(condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
