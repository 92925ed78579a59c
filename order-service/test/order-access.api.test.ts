import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { holdWriteLock, request, type HeldWriteLock } from '@shop/platform/tools/testing';
import { KEYBOARD, CABLE, startScenario, type Scenario } from './support/scenario.js';
import { until } from './support/until.js';
import {
  admin,
  customerA,
  customerB,
  placeOrder,
  tokenOf,
  type ErrorBody,
  type OrderBody,
} from './support/order-service-harness.js';

interface OrderPage {
  data: OrderBody[];
  pagination: { page: number; limit: number; total: number };
}

describe('Reading and cancelling orders', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  const get = <T>(path: string, user: Parameters<typeof tokenOf>[0]) =>
    request<T & ErrorBody>(s.orders.url, 'GET', path, { token: tokenOf(user) });
  const cancel = (id: string, user: Parameters<typeof tokenOf>[0]) =>
    request<OrderBody & ErrorBody>(s.orders.url, 'POST', `/api/orders/${id}/cancel`, {
      token: tokenOf(user),
    });

  async function confirmedOrder(user = customerA, quantity = 2): Promise<OrderBody> {
    const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity }] }, { user });
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('GET /api/orders/:id', () => {
    test("When customer B reads customer A's order, then 404 as if it did not exist", async () => {
      const order = await confirmedOrder();

      const res = await get(`/api/orders/${order.id}`, customerB);

      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });

    test('When an admin reads any order, then 200', async () => {
      const order = await confirmedOrder();

      expect((await get<OrderBody>(`/api/orders/${order.id}`, admin)).body.id).toBe(order.id);
    });

    test('When the id is not a UUID, then 400; an unknown UUID is 404', async () => {
      expect((await get('/api/orders/42', customerA)).status).toBe(400);
      expect((await get('/api/orders/7b0e3c8e-5d43-4f4e-9d1c-2f6a3d0c1b11', customerA)).status).toBe(404);
    });
  });

  describe('GET /api/orders', () => {
    test('When customers list orders, then each sees only their own, newest first, paginated', async () => {
      const first = await confirmedOrder(customerA, 1);
      const second = await confirmedOrder(customerA, 1);
      await confirmedOrder(customerB, 1);

      const page = await get<OrderPage>('/api/orders?limit=1&page=1', customerA);
      const all = await get<OrderPage>('/api/orders', customerA);

      expect(page.body.pagination).toEqual({ page: 1, limit: 1, total: 2 });
      expect(page.body.data).toHaveLength(1);
      expect(all.body.data.map((order) => order.id).sort()).toEqual([first.id, second.id].sort());
    });

    test("When a customer filters by another customer's id, then nothing of theirs is shown", async () => {
      await confirmedOrder(customerB, 1);

      const res = await get<OrderPage>(`/api/orders?customerId=${customerB.id}`, customerA);

      expect(res.body.data).toEqual([]);
    });

    test('When an admin lists with filters, then every customer matching status and customerId is shown', async () => {
      await confirmedOrder(customerA, 1);
      await confirmedOrder(customerB, 1);
      await placeOrder(s.orders.url, { product_id: CABLE.id, quantity: 50 }, { user: customerB });

      const everyone = await get<OrderPage>('/api/orders', admin);
      const cancelledOfB = await get<OrderPage>(
        `/api/orders?status=CANCELLED&customerId=${customerB.id}`,
        admin,
      );

      expect(everyone.body.pagination.total).toBe(3);
      expect(cancelledOfB.body.data).toHaveLength(1);
      expect(cancelledOfB.body.data[0]).toMatchObject({ customerId: customerB.id, status: 'CANCELLED' });
    });

    test('When the query has bad values or unknown parameters, then 400', async () => {
      expect((await get('/api/orders?limit=101', customerA)).status).toBe(400);
      expect((await get('/api/orders?status=LOST', customerA)).status).toBe(400);
      expect((await get('/api/orders?sort=price', customerA)).status).toBe(400);
    });
  });

  describe('POST /api/orders/:id/cancel', () => {
    test('When the owner cancels a confirmed order, then it is CANCELLED, the payment refunded and the stock restored', async () => {
      const order = await confirmedOrder(customerA, 2);
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

      const res = await cancel(order.id, customerA);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: order.id,
        status: 'CANCELLED',
        cancelReason: 'cancelled_by_customer',
      });
      expect(s.payment.payments.get(order.id)?.status).toBe('REFUNDED');
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    });

    test('When another process locks the database while the refund is on its way, then the cancel still answers 200 CANCELLED (not 503 "nothing was changed"): the refund is done and its task is finished later', async () => {
      await s.stop();
      s = await startScenario({ env: { DB_LOCK_WAIT_MS: '100' } });
      const order = await confirmedOrder();
      let held: HeldWriteLock | undefined;
      s.payment.beforeRefund = async () => {
        held = await holdWriteLock(s.orders.db.name);
      };

      const res = await cancel(order.id, customerA).finally(() => held?.release());

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: order.id, status: 'CANCELLED' });
      expect(s.payment.payments.get(order.id)?.status).toBe('REFUNDED');
      s.payment.beforeRefund = undefined;
      await s.orders.domain.recoverPendingOrders(new Date(Date.now() + 60_000));
      expect(s.orders.db.prepare('SELECT kind FROM order_tasks WHERE order_id = ?').all(order.id)).toEqual(
        [],
      );
      expect(s.payment.payments.get(order.id)?.refundReason).toBe('order_cancelled');
    });

    test('When it is cancelled again, then 200 with the same cancelled order and no second refund or restock', async () => {
      const order = await confirmedOrder();
      await cancel(order.id, customerA);
      const refundsBefore = s.payment.callsTo('POST', /\/refund$/).length;

      const again = await cancel(order.id, customerA);

      expect(again.status).toBe(200);
      expect(again.body.status).toBe('CANCELLED');
      expect(s.payment.callsTo('POST', /\/refund$/)).toHaveLength(refundsBefore);
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    });

    test("When customer B cancels customer A's order, then 404 and the order stays CONFIRMED", async () => {
      const order = await confirmedOrder();

      const res = await cancel(order.id, customerB);

      expect(res.status).toBe(404);
      expect((await get<OrderBody>(`/api/orders/${order.id}`, customerA)).body.status).toBe('CONFIRMED');
      expect(s.payment.payments.get(order.id)?.status).toBe('CAPTURED');
    });

    test('When an admin cancels, then the reason is cancelled_by_admin', async () => {
      const order = await confirmedOrder();

      const res = await cancel(order.id, admin);

      expect(res.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'cancelled_by_admin' });
    });

    test('When the order is still being placed, then 409 order_in_progress with Retry-After', async () => {
      s.inventory.reserveDelayMs = 300;
      const placing = placeOrder(s.orders.url, { product_id: KEYBOARD.id, quantity: 1 });
      await until(() => s.inventory.calls.length > 0);
      const orderId = (s.inventory.calls[0]?.body as { orderId: string }).orderId;

      const res = await cancel(orderId, customerA);

      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('order_in_progress');
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await placing).body.status).toBe('CONFIRMED');
    });

    test('When the order has shipped, then 409 order_not_cancellable and nothing is refunded', async () => {
      const order = await confirmedOrder();
      s.orders.domain.applyFulfilment(order.id, 'SHIPPED');

      const res = await cancel(order.id, customerA);

      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('order_not_cancellable');
      expect(s.payment.payments.get(order.id)?.status).toBe('CAPTURED');
    });
  });

  describe('GET /internal/orders/:id', () => {
    test('When a service asks, then 200; when a customer asks, even the owner, then 403', async () => {
      const order = await confirmedOrder();

      const asService = await get<OrderBody>(`/internal/orders/${order.id}`, {
        id: 'service:shipping-service',
        role: 'service',
      });
      const asOwner = await get(`/internal/orders/${order.id}`, customerA);

      expect(asService.status).toBe(200);
      expect(asService.body.id).toBe(order.id);
      expect(asOwner.status).toBe(403);
    });
  });
});
