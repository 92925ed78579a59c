import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { request, testTokens } from '@shop/platform/tools/testing';
import { closedPortUrl } from './support/closed-port.js';
import { CABLE, KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import { until } from './support/until.js';
import {
  admin,
  customerA,
  metricValue,
  placeOrder,
  tokenOf,
  type OrderBody,
} from './support/order-service-harness.js';

describe('POST /api/orders: the commit of the reservation', () => {
  test('When inventory does not answer the commit yet, then the 201 does not wait for it, and the commit lands after', async () => {
    // A call budget far beyond the test's own timeout: an answer that waited for the commit would never come.
    const s = await startScenario({ timeoutMs: 60_000, retries: 0 });
    try {
      s.inventory.holdCommits = true;
      const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });

      expect(res.status).toBe(201);
      expect(res.body.status).toBe('CONFIRMED');
      await until(() => s.inventory.heldCommitCount === 1);
      expect(s.inventory.reservations.get(res.body.id)?.status).toBe('RESERVED');

      s.inventory.landHeldCommits();
      await until(() => s.inventory.reservations.get(res.body.id)?.status === 'COMMITTED');
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(9);
      expect(s.inventory.callsTo('POST', /\/commit$/)).toHaveLength(1);
    } finally {
      s.inventory.landHeldCommits();
      await s.stop();
    }
  });
});

describe('POST /api/orders', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  test('When the customer orders products in stock, then 201 CONFIRMED with server-side prices, stock reserved, one capture, and the reservation committed after the answer', async () => {
    const res = await placeOrder(
      s.orders.url,
      {
        items: [
          { productId: KEYBOARD.id, quantity: 2 },
          { productId: CABLE.id, quantity: 1 },
        ],
      },
      { headers: { 'x-correlation-id': 'corr-happy-1' } },
    );

    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.body).toMatchObject({
      customerId: customerA.id,
      status: 'CONFIRMED',
      currency: 'USD',
      totalCents: 2 * KEYBOARD.priceCents + CABLE.priceCents,
      items: [
        {
          productId: KEYBOARD.id,
          name: KEYBOARD.name,
          quantity: 2,
          unitPriceCents: KEYBOARD.priceCents,
          lineTotalCents: 2 * KEYBOARD.priceCents,
        },
        {
          productId: CABLE.id,
          name: CABLE.name,
          quantity: 1,
          unitPriceCents: CABLE.priceCents,
          lineTotalCents: CABLE.priceCents,
        },
      ],
    });
    expect(res.body.cancelReason).toBeUndefined();
    const payment = s.payment.payments.get(res.body.id);
    expect(payment).toMatchObject({
      status: 'CAPTURED',
      amountCents: res.body.totalCents,
      customerId: customerA.id,
    });
    expect(res.body.paymentId).toBe(payment?.id);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);
    // The commit is a follow-up task the answer does not wait for (the recovery and task workers are off here).
    await until(() => s.inventory.reservations.get(res.body.id)?.status === 'COMMITTED');
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

    const stored = await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${res.body.id}`, {
      token: tokenOf(customerA),
    });
    expect(stored.body).toEqual(res.body);
  });

  test('When the saga calls inventory and payment, then it uses a service token and forwards the correlation ID', async () => {
    await placeOrder(
      s.orders.url,
      { product_id: KEYBOARD.id, quantity: 1 },
      { headers: { 'x-correlation-id': 'corr-fwd-7' } },
    );

    // Reserve, charge and, after the answer, the commit of the reservation: all three carry the request's ID.
    await until(() => s.inventory.calls.some((call) => call.path.endsWith('/commit')));
    const calls = [...s.inventory.calls, ...s.payment.calls];
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const tokens = testTokens();
    for (const call of calls) {
      expect(call.headers['x-correlation-id']).toBe('corr-fwd-7');
      const caller = tokens.verifyAccessToken((call.headers.authorization ?? '').replace('Bearer ', ''));
      expect(caller).toMatchObject({ role: 'service', id: 'service:order-service' });
    }
    const charge = s.payment.calls[0];
    expect(charge?.headers['idempotency-key']).toBe((charge?.body as { orderId: string }).orderId);
  });

  test('When the shorthand {product_id, quantity} is used, then it is one line of that product', async () => {
    const res = await placeOrder(s.orders.url, { product_id: CABLE.id, quantity: 3 });

    expect(res.status).toBe(201);
    expect(res.body.items).toEqual([
      {
        productId: CABLE.id,
        name: CABLE.name,
        quantity: 3,
        unitPriceCents: CABLE.priceCents,
        lineTotalCents: 3 * CABLE.priceCents,
      },
    ]);
  });

  test('When the client sends prices, totals, a status, a customerId and ids, then they are ignored and the server decides', async () => {
    const res = await placeOrder(s.orders.url, {
      id: 'my-own-id',
      customerId: 'customer-b',
      status: 'DELIVERED',
      totalCents: 1,
      currency: 'EUR',
      items: [
        { productId: KEYBOARD.id, quantity: 1, unitPriceCents: 1, lineTotalCents: 1, name: 'Free keyboard' },
      ],
    });

    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe('my-own-id');
    expect(res.body).toMatchObject({
      customerId: customerA.id,
      status: 'CONFIRMED',
      totalCents: KEYBOARD.priceCents,
      currency: 'USD',
      items: [{ name: KEYBOARD.name, unitPriceCents: KEYBOARD.priceCents }],
    });
    expect(s.payment.payments.get(res.body.id)).toMatchObject({
      amountCents: KEYBOARD.priceCents,
      customerId: customerA.id,
    });
  });

  test('When lines repeat a product, then they are merged into one line with the summed quantity', async () => {
    const res = await placeOrder(s.orders.url, {
      items: [
        { productId: KEYBOARD.id, quantity: 1 },
        { productId: KEYBOARD.id, quantity: 2 },
      ],
    });

    expect(res.status).toBe(201);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ productId: KEYBOARD.id, quantity: 3 });
    expect(s.inventory.calls[0]?.body).toMatchObject({ items: [{ productId: KEYBOARD.id, quantity: 3 }] });
  });

  test.each([
    ['no items', { items: [] }],
    ['no body at all', undefined],
    ['a zero quantity', { items: [{ productId: 1, quantity: 0 }] }],
    ['a quantity above 100', { items: [{ productId: 1, quantity: 101 }] }],
    ['a fractional quantity', { items: [{ productId: 1, quantity: 1.5 }] }],
    [
      'merged quantities above 100',
      {
        items: [
          { productId: 1, quantity: 60 },
          { productId: 1, quantity: 41 },
        ],
      },
    ],
    ['a negative productId', { items: [{ productId: -1, quantity: 1 }] }],
    ['a string productId', { items: [{ productId: '1', quantity: 1 }] }],
    ['51 lines', { items: Array.from({ length: 51 }, (_, i) => ({ productId: i + 1, quantity: 1 })) }],
    ['an unknown field', { items: [{ productId: 1, quantity: 1 }], coupon: 'FREE' }],
    [
      'a malformed payment token',
      { items: [{ productId: 1, quantity: 1 }], payment: { token: '4242424242424242' } },
    ],
  ])('When the body has %s, then 400 validation_failed and nothing is reserved', async (_case, body) => {
    const res = await placeOrder(s.orders.url, body);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(s.inventory.calls).toHaveLength(0);
  });

  test('When the products run out, then 409 out_of_stock, the order is CANCELLED and payment is never called', async () => {
    const res = await placeOrder(s.orders.url, { items: [{ productId: CABLE.id, quantity: 6 }] });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'out_of_stock',
      details: { productId: CABLE.id, requested: 6, available: 5 },
    });
    const orderId = res.body.error.details?.orderId as string;
    const order = await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${orderId}`, {
      token: tokenOf(customerA),
    });
    expect(order.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'out_of_stock' });
    expect(s.payment.calls).toHaveLength(0);
    expect(s.inventory.stockOf(CABLE.id)).toBe(5);
  });

  test('When a product does not exist, then 422 unknown_product and the order is CANCELLED', async () => {
    const res = await placeOrder(s.orders.url, { items: [{ productId: 999, quantity: 1 }] });

    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'unknown_product', details: { productIds: [999] } });
    expect(s.payment.calls).toHaveLength(0);
  });

  test('When the card is declined, then 402, the stock is released and the order is CANCELLED payment_declined', async () => {
    const res = await placeOrder(s.orders.url, {
      items: [{ productId: KEYBOARD.id, quantity: 4 }],
      payment: { token: 'tok_chargeDeclined' },
    });

    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'payment_declined', message: 'Your card was declined' });
    const orderId = res.body.error.details?.orderId as string;
    expect(
      s.inventory.callsTo('POST', new RegExp(`/internal/reservations/${orderId}/release$`)),
    ).toHaveLength(1);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    const order = await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${orderId}`, {
      token: tokenOf(customerA),
    });
    expect(order.body).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'payment_declined',
      totalCents: 4 * KEYBOARD.priceCents,
    });
    expect(s.orders.logLines()).toContainEqual(
      expect.objectContaining({ message: 'order cancelled', orderId, reason: 'payment_declined' }),
    );
  });

  test('When an admin places an order, then it is the admin own order (never someone else)', async () => {
    const res = await placeOrder(
      s.orders.url,
      { product_id: KEYBOARD.id, quantity: 1, customerId: customerA.id },
      { user: admin },
    );

    expect(res.status).toBe(201);
    expect(res.body.customerId).toBe(admin.id);
  });

  test('When the caller is anonymous or a service, then 401 or 403', async () => {
    const anonymous = await request(s.orders.url, 'POST', '/api/orders', {
      body: { product_id: 1, quantity: 1 },
    });
    const service = await placeOrder(
      s.orders.url,
      { product_id: 1, quantity: 1 },
      { user: { id: 'service:x', role: 'service' } },
    );

    expect(anonymous.status).toBe(401);
    expect(service.status).toBe(403);
    expect(s.inventory.calls).toHaveLength(0);
  });

  test('When orders are confirmed and cancelled, then orders_total counts each status', async () => {
    await placeOrder(s.orders.url, { product_id: KEYBOARD.id, quantity: 1 });
    await placeOrder(s.orders.url, { product_id: CABLE.id, quantity: 99 });

    const metrics = await request<string>(s.orders.url, 'GET', '/metrics');
    expect(metricValue(metrics.body, 'orders_total', { status: 'pending' })).toBe(2);
    expect(metricValue(metrics.body, 'orders_total', { status: 'confirmed' })).toBe(1);
    expect(metricValue(metrics.body, 'orders_total', { status: 'cancelled' })).toBe(1);
  });
});

describe('POST /api/orders when a dependency is down', () => {
  test('When payment refuses connections, then 503 dependency_unavailable fast with Retry-After, stock released, order CANCELLED', async () => {
    const s = await startScenario({ paymentUrl: await closedPortUrl() });
    try {
      const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 3 }] });

      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('dependency_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const orderId = res.body.error.details?.orderId as string;
      expect(
        s.inventory.callsTo('POST', new RegExp(`/internal/reservations/${orderId}/release$`)),
      ).toHaveLength(1);
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
      const order = await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${orderId}`, {
        token: tokenOf(customerA),
      });
      expect(order.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'dependency_unavailable' });
    } finally {
      await s.stop();
    }
  });

  test('When inventory refuses connections, then 503 dependency_unavailable and payment is never called', async () => {
    const s = await startScenario();
    await s.inventory.stop();
    try {
      const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });

      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('dependency_unavailable');
      expect(res.headers.get('retry-after')).not.toBeNull();
      expect(s.payment.calls).toHaveLength(0);
    } finally {
      await s.stop();
    }
  });
});
