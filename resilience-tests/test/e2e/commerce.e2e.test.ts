import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  adminToken,
  eventuallyInvariants,
  invariants,
  login,
  metricValue,
  newCustomer,
  openPlatformTransport,
  signToken,
  startPlatform,
  type Platform,
  type TestCustomer,
} from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { messagesFor } from './support/service-logs.js';
import { shopApi, type Order, type Payment, type Product, type ShopApi } from './support/shop-api.js';

// order-service waits 2 s per call to payment; the slow-payment test adds 3.5 s of latency, so the charge
// lands after the order answered 202 and before the recovery worker first looks (5.5 s), which then finds
// the capture and confirms. The gateway waits longer than order-service so it never answers 504 itself.
// A charge may land until 6 s after it was sent (ORDER_CALL_DEADLINE_MS), well after the slow-payment test's
// 3.5 s; the late-charge test holds it 9 s, so payment refuses it, and with the 1 s clock allowance
// order-service trusts payment's 404 from 7 s.
const ORDER_TIMEOUT_MS = 2000;
const SLOW_PAYMENT_MS = 3500;
const RECOVERY_MIN_AGE_MS = 5500;
const CALL_DEADLINE_MS = 6000;
const LATE_CHARGE_MS = 9000;

describe('Commerce end to end through the gateway (real processes)', () => {
  let platform: Platform;
  let api: ShopApi;
  let admin: string;

  beforeAll(async () => {
    await buildServices();
    platform = await startPlatform({
      chaos: true,
      serviceEnv: {
        // Every test client is 127.0.0.1: thirty customers logging in at once must not look like brute force.
        'api-gateway': { UPSTREAM_TIMEOUT_MS: '15000', RATE_LIMIT_LOGIN_IP_POINTS: '1000' },
        'order-service': {
          UPSTREAM_TIMEOUT_MS: String(ORDER_TIMEOUT_MS),
          UPSTREAM_RETRIES: '0',
          ORDER_RECOVERY_INTERVAL_MS: '250',
          ORDER_RECOVERY_MIN_AGE_MS: String(RECOVERY_MIN_AGE_MS),
          ORDER_CALL_DEADLINE_MS: String(CALL_DEADLINE_MS),
          ORDER_RETRY_BASE_MS: '200',
          ORDER_RETRY_MAX_MS: '1000',
        },
      },
    });
    api = shopApi(platform.gatewayUrl);
    admin = await adminToken(platform);
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown();
  });

  /** A fresh product; the stock baseline of the invariants is re-read so it is conserved too. */
  async function productWithStock(stock: number, priceCents = 1999): Promise<Product> {
    const product = await api.createProduct(admin, { stock, priceCents });
    platform.recordStockBaseline();
    return product;
  }

  test('When a new customer registers, logs in, lists products and orders, then the order is CONFIRMED, paid and the stock decremented', async () => {
    const product = await productWithStock(10, 2500);
    const email = `happy-${randomUUID().slice(0, 8)}@e2e.test`;
    const password = `Pw-${randomUUID()}`;

    const registered = await api.call<{ id: string; email: string; role: string }>('POST', '/auth/register', {
      body: { name: 'Happy Path', email, password },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.role).toBe('customer');
    const { accessToken } = await login(platform, { email, password });

    const listed = await api.call<{ data: Product[] }>(
      'GET',
      `/api/products?q=${encodeURIComponent(product.name)}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((p) => p.id)).toEqual([product.id]);
    expect(listed.body.data[0]).toMatchObject({ priceCents: 2500, stock: 10 });

    const placed = await api.placeOrder(accessToken, { items: [{ productId: product.id, quantity: 2 }] });

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'CONFIRMED',
      customerId: registered.body.id,
      totalCents: 5000,
      currency: 'USD',
      items: [{ productId: product.id, name: product.name, quantity: 2, unitPriceCents: 2500 }],
    });
    expect(placed.headers.get('location')).toBe(`/api/orders/${placed.body.id}`);
    const payments = await api.payments(accessToken, placed.body.id);
    expect(payments.status).toBe(200);
    expect(payments.body.data).toHaveLength(1);
    expect(payments.body.data[0]).toMatchObject({
      orderId: placed.body.id,
      customerId: registered.body.id,
      amountCents: 5000,
      currency: 'USD',
      status: 'CAPTURED',
    });
    expect(await api.stockOf(product.id)).toBe(8);
    const stored = await api.order(accessToken, placed.body.id);
    expect(stored.status).toBe(200);
    expect(stored.body.status).toBe('CONFIRMED');
  });

  test('When more units are ordered than in stock, then 409 out_of_stock, the order is CANCELLED and the stock unchanged', async () => {
    const product = await productWithStock(10);
    const customer = await newCustomer(platform);
    const patched = await api.setStock(admin, product.id, 2);
    expect(patched.status).toBe(200);
    expect(patched.body.stock).toBe(2);
    platform.recordStockBaseline();

    const placed = await api.placeOrder(customer.token, { items: [{ productId: product.id, quantity: 3 }] });

    expect(placed.status).toBe(409);
    expect(placed.body.error?.code).toBe('out_of_stock');
    expect(placed.body.error?.details).toMatchObject({ productId: product.id, requested: 3, available: 2 });
    const orderId = String(placed.body.error?.details?.orderId);
    const order = await api.order(customer.token, orderId);
    expect(order.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock' });
    expect(await api.stockOf(product.id)).toBe(2);
  });

  test('When the card is declined, then 402 payment_declined, the payment is DECLINED and the stock restored', async () => {
    const product = await productWithStock(5);
    const customer = await newCustomer(platform);

    const placed = await api.placeOrder(customer.token, {
      items: [{ productId: product.id, quantity: 2 }],
      payment: { token: 'tok_chargeDeclined' },
    });

    expect(placed.status).toBe(402);
    expect(placed.body.error?.code).toBe('payment_declined');
    const orderId = String(placed.body.error?.details?.orderId);
    const order = await api.order(customer.token, orderId);
    expect(order.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_declined' });
    const payments = await api.payments(customer.token, orderId);
    expect(payments.body.data.map((p) => p.status)).toEqual(['DECLINED']);
    expect(await api.stockOf(product.id)).toBe(5);
  });

  test('When payment-service is stopped, then 503 dependency_unavailable with Retry-After, the stock is restored, and orders work again once it is back', async () => {
    const product = await productWithStock(5);
    const customer = await newCustomer(platform);

    await platform.stop('payment-service');
    let placed: Awaited<ReturnType<ShopApi['placeOrder']>>;
    try {
      placed = await api.placeOrder(customer.token, { items: [{ productId: product.id, quantity: 1 }] });
    } finally {
      await platform.start('payment-service');
    }

    expect(placed.status).toBe(503);
    expect(placed.body.error?.code).toBe('dependency_unavailable');
    expect(Number(placed.headers.get('retry-after'))).toBeGreaterThan(0);
    const orderId = String(placed.body.error?.details?.orderId);
    const order = await api.order(customer.token, orderId);
    expect(order.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'dependency_unavailable' });
    expect(await api.stockOf(product.id)).toBe(5);
    const again = await api.placeOrder(customer.token, { items: [{ productId: product.id, quantity: 1 }] });
    expect(again.status).toBe(201);
    expect(await api.stockOf(product.id)).toBe(4);
  });

  test("When payment fails every call, then customer A's orders degrade to 202 PENDING and 503 dependency_unavailable, while customer B's reads all answer 200 and the gateway's breakers on order-service stay closed", async () => {
    const product = await productWithStock(50);
    const [customerA, customerB] = await Promise.all([newCustomer(platform), newCustomer(platform)]);
    const own = await api.placeOrder(customerB.token, { items: [{ productId: product.id, quantity: 1 }] });
    expect(own.status).toBe(201);
    expect(
      (await api.injectFault(admin, 'payment-service', { errorRate: 1, durationMs: 60_000 })).status,
    ).toBe(201);

    const placed: Awaited<ReturnType<ShopApi['placeOrder']>>[] = [];
    const reads: { path: string; status: number }[] = [];
    const breakers = new Set<string>();
    let placing = true;
    try {
      const reader = (async () => {
        while (placing) {
          // One round of B's reads every 100 ms at most: a steady reader, not a flood.
          const pace = sleep(100);
          const round = await Promise.all([
            api.orders(customerB.token).then((r) => ({ path: '/api/orders', status: r.status })),
            api
              .order(customerB.token, own.body.id)
              .then((r) => ({ path: '/api/orders/:id', status: r.status })),
            api
              .call('GET', `/api/products/${product.id}`)
              .then((r) => ({ path: '/api/products/:id', status: r.status })),
            api
              .call('GET', '/api/customers/me', { token: customerB.token })
              .then((r) => ({ path: '/api/customers/me', status: r.status })),
            api
              .shipments(customerB.token, own.body.id)
              .then((r) => ({ path: '/api/shipments', status: r.status })),
          ]);
          reads.push(...round);
          const health = await api.call<{ breakers: Record<string, Record<string, string>> }>(
            'GET',
            '/health',
            { token: admin },
          );
          for (const [lane, state] of Object.entries(health.body.breakers['order-service'] ?? {})) {
            breakers.add(`${lane} ${state}`);
          }
          await pace;
        }
      })();
      for (let i = 0; i < 12; i++) {
        placed.push(
          await api.placeOrder(customerA.token, { items: [{ productId: product.id, quantity: 1 }] }),
        );
      }
      // Refused placements are quick once order-service's breaker on payment is open: B keeps reading, with
      // payment still failing, until it has done at least three rounds.
      for (const until = Date.now() + 10_000; reads.length < 12 && Date.now() < until;) await sleep(50);
      placing = false;
      await reader;
    } finally {
      placing = false;
      expect((await api.healFault(admin, 'payment-service')).status).toBe(204);
    }

    // order-service cannot know whether a failed charge was taken until its own breaker on payment opens.
    for (const reply of placed) {
      if (reply.status === 202) expect(reply.body.status).toBe('PENDING');
      else {
        expect(reply.status).toBe(503);
        expect(reply.body.error?.code).toBe('dependency_unavailable');
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(placed.filter((reply) => reply.status === 503).length).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThanOrEqual(12);
    expect(reads.filter((read) => read.status !== 200)).toEqual([]);
    expect([...breakers].sort()).toEqual(['read closed', 'write closed']);
    const metrics = await (
      await fetch(`${platform.gatewayUrl}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    expect(metrics).toMatch(
      /upstream_outcomes_total\{[^}]*upstream="order-service",route_class="write",outcome="dependency_unavailable",breaker="success"[^}]*\} [1-9]/,
    );

    // Healed: once order-service's own breaker on payment lets a probe through, orders succeed again, and the
    // PENDING orders are resolved by the recovery worker.
    await eventually(
      'an order to succeed after healing',
      async () => {
        const again = await api.placeOrder(customerA.token, {
          items: [{ productId: product.id, quantity: 1 }],
        });
        return again.status === 201 ? again : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(await eventuallyInvariants(platform, { pendingDeadlineMs: 0, timeoutMs: 30_000 })).toEqual([]);
  });

  test('When payment answers slower than order-service waits, then 202 PENDING, and the recovery worker confirms the order once the charge is found', async () => {
    const product = await productWithStock(5, 1234);
    const customer = await newCustomer(platform);
    const fault = await api.injectFault(admin, 'payment-service', {
      latencyMs: SLOW_PAYMENT_MS,
      durationMs: 60_000,
    });
    expect(fault.status).toBe(201);

    let placed: Awaited<ReturnType<ShopApi['placeOrder']>>;
    try {
      placed = await api.placeOrder(customer.token, { items: [{ productId: product.id, quantity: 1 }] });
    } finally {
      // The charge already sent keeps its latency; only later calls (the recovery worker's) are fast again.
      expect((await api.healFault(admin, 'payment-service')).status).toBe(204);
    }

    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('PENDING');
    expect(placed.headers.get('location')).toBe(`/api/orders/${placed.body.id}`);
    const resolved = await eventually(
      'the recovery worker to resolve the PENDING order',
      async () => {
        const reply = await api.order(customer.token, placed.body.id);
        return reply.body.status === 'PENDING' ? undefined : reply.body;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(resolved).toMatchObject({ status: 'CONFIRMED', totalCents: 1234 });
    const payments = await api.payments(customer.token, placed.body.id);
    expect(payments.body.data).toMatchObject([{ status: 'CAPTURED', amountCents: 1234 }]);
    expect(await api.stockOf(product.id)).toBe(4);
    expect(await eventuallyInvariants(platform, { pendingDeadlineMs: 0, timeoutMs: 30_000 })).toEqual([]);
  });

  test('When 30 customers order the last unit at once, then exactly one order is CONFIRMED, the other 29 get 409 and the stock ends at 0', async () => {
    const product = await productWithStock(1);
    const customers = await Promise.all(Array.from({ length: 30 }, () => newCustomer(platform)));

    const replies = await Promise.all(
      customers.map((customer) =>
        api.placeOrder(customer.token, { items: [{ productId: product.id, quantity: 1 }] }),
      ),
    );

    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 29 }, () => 409)]);
    const rejected = replies.filter((r) => r.status === 409);
    expect(new Set(rejected.map((r) => r.body.error?.code))).toEqual(new Set(['out_of_stock']));
    expect(await api.stockOf(product.id)).toBe(0);
    const winner = replies.find((r) => r.status === 201);
    expect(winner?.body.status).toBe('CONFIRMED');
  });

  describe('Idempotency-Key', () => {
    test('When the same key and body are sent again, then the first response is replayed and only one order is charged', async () => {
      const product = await productWithStock(10, 700);
      const customer = await newCustomer(platform);
      const key = `e2e-${randomUUID()}`;
      const body = { items: [{ productId: product.id, quantity: 1 }] };

      const first = await api.placeOrder(customer.token, body, { 'Idempotency-Key': key });
      const replay = await api.placeOrder(customer.token, body, { 'Idempotency-Key': key });

      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      const orders = await api.orders(customer.token);
      expect(orders.body.data.map((o) => o.id)).toEqual([first.body.id]);
      const payments = await api.payments(customer.token, first.body.id);
      expect(payments.body.data).toMatchObject([{ status: 'CAPTURED', amountCents: 700 }]);
      expect(await api.stockOf(product.id)).toBe(9);
    });

    test('When the same key comes with a different body, then 422 idempotency_key_reused and nothing is ordered', async () => {
      const product = await productWithStock(10);
      const customer = await newCustomer(platform);
      const key = `e2e-${randomUUID()}`;
      const first = await api.placeOrder(
        customer.token,
        { items: [{ productId: product.id, quantity: 1 }] },
        { 'Idempotency-Key': key },
      );

      const reused = await api.placeOrder(
        customer.token,
        { items: [{ productId: product.id, quantity: 3 }] },
        { 'Idempotency-Key': key },
      );

      expect(first.status).toBe(201);
      expect(reused.status).toBe(422);
      expect(reused.body.error?.code).toBe('idempotency_key_reused');
      expect((await api.orders(customer.token)).body.pagination.total).toBe(1);
      expect(await api.stockOf(product.id)).toBe(9);
    });

    test('When duplicates with one key arrive while the first is still running, then they get 409 and one order is placed', async () => {
      const product = await productWithStock(10, 900);
      const customer = await newCustomer(platform);
      const key = `e2e-${randomUUID()}`;
      const body = { items: [{ productId: product.id, quantity: 1 }] };
      // Keeps the first request inside its saga (below order-service's timeout) while the duplicates arrive.
      expect(
        (await api.injectFault(admin, 'payment-service', { latencyMs: 800, durationMs: 30_000 })).status,
      ).toBe(201);

      let replies: Awaited<ReturnType<ShopApi['placeOrder']>>[];
      try {
        replies = await Promise.all(
          Array.from({ length: 4 }, () => api.placeOrder(customer.token, body, { 'Idempotency-Key': key })),
        );
      } finally {
        await api.healFault(admin, 'payment-service');
      }

      expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      for (const duplicate of replies.filter((r) => r.status === 409)) {
        expect(duplicate.body.error?.code).toBe('idempotency_in_progress');
        expect(duplicate.headers.get('retry-after')).toBe('1');
      }
      const created = replies.find((r) => r.status === 201);
      const replay = await api.placeOrder(customer.token, body, { 'Idempotency-Key': key });
      expect(replay.status).toBe(201);
      expect(replay.body.id).toBe(created?.body.id);
      expect((await api.orders(customer.token)).body.pagination.total).toBe(1);
      expect(await api.stockOf(product.id)).toBe(9);
    });
  });

  describe('Ownership and roles', () => {
    let owner: TestCustomer;
    let other: TestCustomer;
    let order: Order;

    beforeAll(async () => {
      const product = await productWithStock(5);
      [owner, other] = await Promise.all([newCustomer(platform), newCustomer(platform)]);
      const placed = await api.placeOrder(owner.token, { items: [{ productId: product.id, quantity: 1 }] });
      expect(placed.status).toBe(201);
      order = placed.body;
    });

    test("When customer B reads or cancels A's order, then 404 and A's order stays CONFIRMED", async () => {
      const read = await api.order(other.token, order.id);
      const cancel = await api.cancel(other.token, order.id);
      const list = await api.orders(other.token);

      expect(read.status).toBe(404);
      expect(read.body.error?.code).toBe('not_found');
      expect(cancel.status).toBe(404);
      expect(list.body.data).toEqual([]);
      expect((await api.order(owner.token, order.id)).body.status).toBe('CONFIRMED');
    });

    test("When customer B reads A's payment, then 404, while A sees it", async () => {
      const read = await api.payments(other.token, order.id);

      expect(read.status).toBe(404);
      expect((await api.payments(owner.token, order.id)).body.data).toHaveLength(1);
    });

    test("When customer B asks for A's shipment, then B gets none while A sees it", async () => {
      const shipment = await eventually('the shipment of the order', async () => {
        const reply = await api.shipments(owner.token, order.id);
        return reply.body.data[0];
      });

      // The shipment list is a filter (shipping-service README): another's order reads as "no shipment".
      const read = await api.shipments(other.token, order.id);

      expect(shipment.orderId).toBe(order.id);
      expect(read.status).toBe(200);
      expect(read.body.data).toEqual([]);
    });

    test('When a customer calls admin routes, then 403 forbidden', async () => {
      const shipment = await eventually('the shipment of the order', async () => {
        return (await api.shipments(owner.token, order.id)).body.data[0];
      });
      const calls = await Promise.all([
        api.call('GET', '/api/customers', { token: owner.token }),
        api.call('PATCH', `/api/customers/${other.id}/role`, { token: owner.token, body: { role: 'admin' } }),
        api.call('POST', '/api/products', {
          token: owner.token,
          body: { sku: `X-${randomUUID().slice(0, 8)}`, name: 'x', priceCents: 1 },
        }),
        api.setStock(owner.token, order.items[0]?.productId ?? 1, 1000),
        api.call('POST', `/api/payments/${order.paymentId ?? randomUUID()}/refund`, { token: owner.token }),
        api.advanceShipment(owner.token, shipment.id, 'IN_TRANSIT'),
        api.injectFault(owner.token, 'payment-service', { errorRate: 1 }),
      ]);

      expect(calls.map((c) => c.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
      expect(new Set(calls.map((c) => c.body.error?.code))).toEqual(new Set(['forbidden']));
      expect((await api.payments(owner.token, order.id)).body.data[0]?.status).toBe('CAPTURED');
      expect((await api.shipments(owner.token, order.id)).body.data[0]?.status).toBe('SCHEDULED');
    });
  });

  test('When the client sends prices, totals, a status and another customerId, then they have no effect', async () => {
    const product = await productWithStock(5, 4200);
    const [customer, victim] = await Promise.all([newCustomer(platform), newCustomer(platform)]);
    const forgedId = randomUUID();

    const placed = await api.placeOrder(customer.token, {
      id: forgedId,
      customerId: victim.id,
      status: 'DELIVERED',
      totalCents: 1,
      total: 1,
      items: [
        {
          productId: product.id,
          quantity: 2,
          name: 'free',
          priceCents: 1,
          unitPriceCents: 1,
          lineTotalCents: 2,
        },
      ],
    });

    expect(placed.status).toBe(201);
    expect(placed.body.id).not.toBe(forgedId);
    expect(placed.body).toMatchObject({
      customerId: customer.id,
      status: 'CONFIRMED',
      totalCents: 8400,
      items: [
        {
          productId: product.id,
          name: product.name,
          quantity: 2,
          unitPriceCents: 4200,
          lineTotalCents: 8400,
        },
      ],
    });
    const payments = await api.payments(customer.token, placed.body.id);
    expect(payments.body.data).toMatchObject([{ amountCents: 8400, customerId: customer.id }]);
    expect((await api.orders(victim.token)).body.data).toEqual([]);
    expect(await api.stockOf(product.id)).toBe(3);
  });

  describe('No money without an order (issue 8)', () => {
    const paymentUrl = () => platform.urls['payment-service'] ?? '';
    const serviceToken = () => signToken(platform.jwt, { id: 'service:e2e', role: 'service' });
    const refundBoundMs = async () =>
      1000 * ((await metricValue(platform.urls['order-service'] ?? '', 'order_refund_bound_seconds')) ?? NaN);

    test("When a charge is held up 9 s on its way to payment (the issue's recipe), then the order answers 202, ends CANCELLED payment_not_received, payment refuses the late charge, nothing stays captured and the invariants hold", async () => {
      const product = await productWithStock(5, 1500);
      const customer = await newCustomer(platform);
      const refused = () =>
        metricValue(paymentUrl(), 'payment_charges_refused_total', { reason: 'deadline_passed' });
      const refusedBefore = (await refused()) ?? 0;
      expect(
        (await api.injectFault(admin, 'payment-service', { latencyMs: LATE_CHARGE_MS, durationMs: 1500 }))
          .status,
      ).toBe(201);

      const placed = await api.placeOrder(customer.token, {
        items: [{ productId: product.id, quantity: 1 }],
      });

      expect(placed.status).toBe(202);
      expect(placed.body.status).toBe('PENDING');
      const resolved = await eventually(
        'the recovery worker to resolve the order',
        async () => {
          const reply = await api.order(customer.token, placed.body.id);
          return reply.body.status === 'PENDING' ? undefined : reply.body;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(resolved).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_not_received' });
      await eventually(
        'the late charge to reach payment and be refused',
        async () => ((await refused()) ?? 0) > refusedBefore || undefined,
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect((await api.payments(customer.token, placed.body.id)).status).toBe(404);
      expect(await api.stockOf(product.id)).toBe(5);
      expect(
        await eventuallyInvariants(platform, {
          pendingDeadlineMs: 0,
          refundBoundMs: await refundBoundMs(),
          timeoutMs: 30_000,
        }),
      ).toEqual([]);
    });

    test('When a payment is captured for an order order-service does not know, then order-service refunds it (unknown_order) on PaymentCaptured, logged under the charge correlation ID; the refund event is legitimate: the customer is told, nothing is dead-lettered', async () => {
      const orderId = randomUUID();
      const customer = await newCustomer(platform);
      const correlationId = `e2e-stray-${randomUUID()}`;

      const charged = await request<Payment>(paymentUrl(), 'POST', '/internal/payments', {
        token: serviceToken(),
        body: { orderId, customerId: customer.id, amountCents: 700 },
        headers: { 'x-correlation-id': correlationId },
      });

      expect(charged.status).toBe(201);
      expect(charged.body.status).toBe('CAPTURED');
      const refunded = await eventually('order-service to refund the capture nobody ordered', async () => {
        const reply = await request<Payment & { refundReason?: string }>(
          paymentUrl(),
          'GET',
          `/internal/payments/by-order/${orderId}`,
          { token: serviceToken() },
        );
        return reply.body.status === 'REFUNDED' ? reply.body : undefined;
      });
      expect(refunded.refundReason).toBe('unknown_order');
      await eventually('the refund to be logged by both services under the charge correlation ID', () => {
        const ordered = messagesFor(platform, 'order-service', correlationId);
        const paid = messagesFor(platform, 'payment-service', correlationId);
        const both =
          ordered.includes('payment captured for an order that will not be confirmed: refunding') &&
          paid.includes('payment refunded');
        return Promise.resolve(both || undefined);
      });
      // notification-service verifies the refund with payment-service (the order does not exist) and notifies.
      const told = await eventually('the customer to be told of the refund', async () => {
        const reply = await api.call<{ data: { body: string; status: string }[] }>(
          'GET',
          '/api/notifications?eventType=PaymentRefunded',
          { token: customer.token },
        );
        return reply.body.data?.find((notification) => notification.body.includes(orderId));
      });
      expect(told.status).toBe('SENT');
      const bus = await openPlatformTransport(platform);
      try {
        for (const queue of ['order-service', 'notification-service']) {
          const letters = await bus.listDeadLetters(queue);
          expect(letters.filter((letter) => letter.body.includes(orderId))).toEqual([]);
        }
      } finally {
        await bus.close();
      }
    });

    test('When an admin refunds the payment of a CONFIRMED order, then 409 refund_requires_order_cancellation and nothing changes; cancelling the order refunds it and cancels its shipment', async () => {
      const product = await productWithStock(5, 2100);
      const customer = await newCustomer(platform);
      const placed = await api.placeOrder(customer.token, {
        items: [{ productId: product.id, quantity: 1 }],
      });
      expect(placed.status).toBe(201);
      const payment = (await api.payments(customer.token, placed.body.id)).body.data[0] as Payment;

      const refused = await api.call('POST', `/api/payments/${payment.id}/refund`, { token: admin });

      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'refund_requires_order_cancellation',
        details: { orderId: placed.body.id, paymentId: payment.id },
      });
      expect((await api.order(customer.token, placed.body.id)).body.status).toBe('CONFIRMED');
      expect((await api.payments(customer.token, placed.body.id)).body.data[0]?.status).toBe('CAPTURED');
      const shipment = await eventually('the shipment of the order', async () => {
        return (await api.shipments(customer.token, placed.body.id)).body.data[0];
      });
      expect(shipment.status).toBe('SCHEDULED');

      expect((await api.cancel(admin, placed.body.id)).body).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'cancelled_by_admin',
      });
      const refund = await eventually('the payment to be refunded by the cancellation', async () => {
        const reply = await api.payments(customer.token, placed.body.id);
        return reply.body.data[0]?.status === 'REFUNDED' ? reply.body.data[0] : undefined;
      });
      expect(refund).toMatchObject({ refundReason: 'order_cancelled' });
      await eventually('the shipment to be cancelled', async () => {
        const reply = await api.shipments(customer.token, placed.body.id);
        return reply.body.data[0]?.status === 'CANCELLED' ? true : undefined;
      });
      const again = await api.call<Payment>('POST', `/api/payments/${payment.id}/refund`, { token: admin });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'REFUNDED', refundReason: 'order_cancelled' });
      expect(await api.stockOf(product.id)).toBe(5);
    });
  });

  test('When all the scenarios above have settled, then the saga invariants hold', async () => {
    expect(await eventuallyInvariants(platform, { pendingDeadlineMs: 0, timeoutMs: 30_000 })).toEqual([]);
    expect(await invariants(platform, { pendingDeadlineMs: 0 })).toEqual([]);
  });
});
