import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { holdWriteLock, request, type HeldWriteLock } from '@shop/platform/tools/testing';
import { CABLE, KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import { until } from './support/until.js';
import {
  customerA,
  customerB,
  placeOrder,
  tokenOf,
  type OrderBody,
} from './support/order-service-harness.js';

describe('POST /api/orders with Idempotency-Key', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });
  const listOwnOrders = async (user = customerA) =>
    (await request<{ data: OrderBody[] }>(s.orders.url, 'GET', '/api/orders', { token: tokenOf(user) })).body
      .data;

  test('When the same request is repeated with the same key, then the same status and body come back, one order and one charge', async () => {
    const body = { items: [{ productId: KEYBOARD.id, quantity: 1 }] };
    const first = await placeOrder(s.orders.url, body, withKey('order-attempt-1'));
    const second = await placeOrder(s.orders.url, body, withKey('order-attempt-1'));

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await listOwnOrders()).toHaveLength(1);
    expect(s.payment.callsTo('POST', /^\/internal\/payments$/)).toHaveLength(1);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(9);
  });

  test('When a declined order is retried with its key, then the same 402 is replayed and payment is not asked again', async () => {
    const body = { product_id: CABLE.id, quantity: 1, payment: { token: 'tok_chargeDeclined' } };
    const first = await placeOrder(s.orders.url, body, withKey('declined-1'));
    const second = await placeOrder(s.orders.url, body, withKey('declined-1'));

    expect(first.status).toBe(402);
    expect(second.status).toBe(402);
    expect(second.body).toEqual(first.body);
    expect(s.payment.calls).toHaveLength(1);
  });

  test('When the key is reused with a different body, then 422 idempotency_key_reused and nothing is ordered', async () => {
    await placeOrder(s.orders.url, { product_id: KEYBOARD.id, quantity: 1 }, withKey('reused-key'));

    const res = await placeOrder(
      s.orders.url,
      { product_id: KEYBOARD.id, quantity: 2 },
      withKey('reused-key'),
    );

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(await listOwnOrders()).toHaveLength(1);
  });

  test('When only ignored fields or the line order differ, then it is the same request and it is replayed', async () => {
    const first = await placeOrder(
      s.orders.url,
      {
        items: [
          { productId: KEYBOARD.id, quantity: 1 },
          { productId: CABLE.id, quantity: 2 },
        ],
      },
      withKey('same-meaning'),
    );
    const second = await placeOrder(
      s.orders.url,
      {
        items: [
          { productId: CABLE.id, quantity: 2 },
          { productId: KEYBOARD.id, quantity: 1, unitPriceCents: 1 },
        ],
        totalCents: 1,
      },
      withKey('same-meaning'),
    );

    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
  });

  test('When a duplicate arrives while the first request is still in flight, then 409 idempotency_in_progress', async () => {
    s.inventory.reserveDelayMs = 300;
    const body = { product_id: KEYBOARD.id, quantity: 1 };
    const first = placeOrder(s.orders.url, body, withKey('concurrent-key'));
    await until(() => s.inventory.calls.length > 0);

    const duplicate = await placeOrder(s.orders.url, body, withKey('concurrent-key'));

    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('idempotency_in_progress');
    expect(duplicate.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(201);
    expect(s.inventory.callsTo('POST', /^\/internal\/reservations$/)).toHaveLength(1);
  });

  test('When two customers use the same key, then each gets their own order', async () => {
    const a = await placeOrder(s.orders.url, { product_id: KEYBOARD.id, quantity: 1 }, withKey('shared-key'));
    const b = await placeOrder(
      s.orders.url,
      { product_id: KEYBOARD.id, quantity: 1 },
      { ...withKey('shared-key'), user: customerB },
    );

    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.customerId).toBe(customerB.id);
  });

  test('When the key is longer than 128 characters, then 400 and nothing is ordered', async () => {
    const res = await placeOrder(
      s.orders.url,
      { product_id: KEYBOARD.id, quantity: 1 },
      withKey('k'.repeat(129)),
    );

    expect(res.status).toBe(400);
    expect(s.inventory.calls).toHaveLength(0);
  });

  describe('when another process locks the database after the order exists', () => {
    let held: HeldWriteLock | undefined;
    afterEach(async () => {
      await held?.release();
      held = undefined;
    });

    test('When the lock outlasts the saga, then the answer is the order (202 PENDING, not 503 "nothing was changed"), and a retry with the key gets that order: no 409, no second charge', async () => {
      await s.stop();
      s = await startScenario({ env: { DB_LOCK_WAIT_MS: '100' } });
      s.payment.chargeMode = 'held';
      const body = { items: [{ productId: KEYBOARD.id, quantity: 1 }] };
      const placing = placeOrder(s.orders.url, body, withKey('locked-after-charge'));
      await until(() => s.payment.heldCount === 1);
      // The order row exists and the charge is on its way; now the file is locked until after the answer.
      held = await holdWriteLock(s.orders.db.name);
      s.payment.landHeld();

      const first = await placing;

      expect(first.status).toBe(202);
      expect(first.body.status).toBe('PENDING');
      expect(first.headers.get('location')).toBe(`/api/orders/${first.body.id}`);
      await held.release();
      held = undefined;
      const retry = await placeOrder(s.orders.url, body, withKey('locked-after-charge'));
      expect(retry.status).toBe(202);
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await listOwnOrders()).toHaveLength(1);
      // One capture. The recovery worker may ask payment again for the PENDING order meanwhile: the same
      // order id, which payment-service answers idempotently, never a second charge.
      expect(s.payment.captured().map((payment) => payment.orderId)).toEqual([first.body.id]);
      for (const call of s.payment.callsTo('POST', /^\/internal\/payments$/))
        expect((call.body as { orderId?: string }).orderId).toBe(first.body.id);
    });
  });
});
