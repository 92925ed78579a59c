import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import {
  DEADLINE_MS,
  MIN_AGE_MS,
  afterMinAge,
  customerA,
  placeOrder,
  tokenOf,
  type OrderBody,
} from './support/order-service-harness.js';

// Calls time out after 200 ms without retries; the slow fake payment answers after 1.5 s.
const TIMEOUT_MS = 200;

describe('Order recovery (payment slower than the timeout)', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0 });
  });
  afterEach(async () => {
    await s.stop();
  });

  const readOrder = async (id: string) =>
    (await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${id}`, { token: tokenOf(customerA) })).body;

  async function placeSlowOrder(): Promise<OrderBody> {
    const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 2 }] });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'PENDING', totalCents: 2 * KEYBOARD.priceCents });
    return res.body;
  }

  test('When payment captured but answered too late, then 202 PENDING and recovery confirms it and commits the stock', async () => {
    s.payment.chargeMode = 'slow_capture';
    const placedFrom = Date.now();
    const pending = await placeSlowOrder();

    // A pass just before the order reaches its minimum age leaves it alone (timed from before the placement,
    // so a slow machine cannot age it past the minimum while the test runs).
    const young = await s.orders.domain.recoverPendingOrders(new Date(placedFrom + MIN_AGE_MS - 1));
    expect(young.confirmed + young.cancelled).toBe(0);
    const report = await s.orders.domain.recoverPendingOrders(afterMinAge());

    expect(report).toMatchObject({ confirmed: 1, cancelled: 0 });
    const order = await readOrder(pending.id);
    expect(order).toMatchObject({ status: 'CONFIRMED', paymentId: s.payment.payments.get(pending.id)?.id });
    expect(s.inventory.reservations.get(pending.id)?.status).toBe('COMMITTED');
    expect(s.payment.captured()).toHaveLength(1);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);
  });

  test('When payment never charged, then recovery cancels the order (payment_not_received) and releases the stock', async () => {
    s.payment.chargeMode = 'slow_no_charge';
    const pending = await placeSlowOrder();
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

    const report = await s.orders.domain.recoverPendingOrders(afterMinAge());

    expect(report).toMatchObject({ confirmed: 0, cancelled: 1 });
    expect(await readOrder(pending.id)).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'payment_not_received',
    });
    expect(
      s.inventory.callsTo('POST', new RegExp(`/internal/reservations/${pending.id}/release$`)),
    ).toHaveLength(1);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    expect(s.payment.captured()).toHaveLength(0);
  });

  test('When the customer cancels an order left PENDING, then the stock is released and a capture found later is refunded', async () => {
    s.payment.chargeMode = 'slow_capture';
    const pending = await placeSlowOrder();

    const res = await request<OrderBody>(s.orders.url, 'POST', `/api/orders/${pending.id}/cancel`, {
      token: tokenOf(customerA),
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'cancelled_by_customer' });
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    await s.orders.domain.recoverPendingOrders(afterMinAge());
    expect(s.payment.payments.get(pending.id)?.status).toBe('REFUNDED');
  });

  test('When payment answers 500, then 202 PENDING (the charge may exist) and recovery resolves it from payment', async () => {
    s.payment.chargeMode = 'error_500';
    const pending = await placeSlowOrder();

    await s.orders.domain.recoverPendingOrders(afterMinAge());

    expect(await readOrder(pending.id)).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'payment_not_received',
    });
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
  });

  test('When payment cannot be asked, then recovery backs off and keeps the order PENDING until it can', async () => {
    s.payment.chargeMode = 'slow_capture';
    const pending = await placeSlowOrder();
    s.payment.lookupFails = true;

    const first = await s.orders.domain.recoverPendingOrders(afterMinAge());
    const tooSoon = await s.orders.domain.recoverPendingOrders(afterMinAge(100));

    expect(first).toMatchObject({ retried: 1, confirmed: 0, cancelled: 0 });
    expect(tooSoon).toMatchObject({ retried: 0, confirmed: 0, cancelled: 0 });
    expect((await readOrder(pending.id)).status).toBe('PENDING');

    s.payment.lookupFails = false;
    const later = await s.orders.domain.recoverPendingOrders(afterMinAge(5000));
    expect(later.confirmed).toBe(1);
    expect((await readOrder(pending.id)).status).toBe('CONFIRMED');
  });

  test('When payment stays unreachable past the hard deadline, then the order is cancelled (pending_timeout), stock released, and a capture found later is refunded', async () => {
    s.payment.chargeMode = 'slow_capture';
    const pending = await placeSlowOrder();
    await s.payment.stop();

    const beforeDeadline = await s.orders.domain.recoverPendingOrders(afterMinAge(DEADLINE_MS));
    expect(beforeDeadline.retried).toBe(1);
    const pastHardDeadline = afterMinAge(2 * DEADLINE_MS);
    const report = await s.orders.domain.recoverPendingOrders(pastHardDeadline);

    expect(report.cancelled).toBe(1);
    expect(await readOrder(pending.id)).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'pending_timeout',
    });
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    expect(s.payment.payments.get(pending.id)?.status).toBe('CAPTURED');

    await s.payment.start();
    await s.orders.domain.recoverPendingOrders(new Date(pastHardDeadline.getTime() + 60_000));
    expect(s.payment.payments.get(pending.id)?.status).toBe('REFUNDED');
  });

  test('When inventory is unreachable while a release is due, then the release is retried until it succeeds', async () => {
    s.payment.chargeMode = 'slow_no_charge';
    const pending = await placeSlowOrder();
    await s.inventory.stop();

    const first = await s.orders.domain.recoverPendingOrders(afterMinAge());
    expect(first.cancelled).toBe(1);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

    await s.inventory.start();
    await s.orders.domain.recoverPendingOrders(afterMinAge(60_000));
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    expect((await readOrder(pending.id)).status).toBe('CANCELLED');
  });
});
