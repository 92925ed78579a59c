import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import {
  CALL_WINDOW_MS,
  CLOCK_SKEW_MS,
  afterMinAge,
  customerA,
  placeOrder,
  tokenOf,
  type OrderBody,
} from './support/order-service-harness.js';
import type { RecordedCall } from './support/fake-http.js';

// Calls time out after 200 ms without retries; a held charge or reservation reaches its service only when the
// test lands it, at a simulated time.
const TIMEOUT_MS = 200;
// For the tests of the waiting itself: a deadline well past the recovery's minimum age (1 s).
const LONG_WINDOW = { windowMs: 5000, clockSkewMs: CLOCK_SKEW_MS };

describe('A charge or reservation that reaches its service late (issue 8)', () => {
  let s: Scenario;

  afterEach(async () => {
    await s.stop();
  });

  const readOrder = async (id: string) =>
    (await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${id}`, { token: tokenOf(customerA) })).body;

  const cancel = (id: string) =>
    request<OrderBody>(s.orders.url, 'POST', `/api/orders/${id}/cancel`, { token: tokenOf(customerA) });

  /** Recovery passes every simulated second over `seconds`, starting `fromMs` past the minimum age. */
  async function recoveryPasses(seconds: number, fromMs = 0): Promise<void> {
    for (let ms = fromMs; ms <= fromMs + seconds * 1000; ms += 1000) {
      await s.orders.domain.recoverPendingOrders(afterMinAge(ms));
    }
  }

  async function placePending(): Promise<OrderBody> {
    const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('PENDING');
    return placed.body;
  }

  const tasksOf = (orderId: string) =>
    (
      s.orders.db.prepare('SELECT kind FROM order_tasks WHERE order_id = ? ORDER BY kind').all(orderId) as {
        kind: string;
      }[]
    ).map((row) => row.kind);

  const deadlineOf = (call: RecordedCall | undefined) =>
    Date.parse(String((call?.body as { deadline?: unknown } | undefined)?.deadline));

  describe('Defence 1: every reservation and charge carries a deadline', () => {
    test('When an order is placed, then the reservation and the charge carry absolute deadlines one call window after they are sent', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0 });
      const before = Date.now();

      const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });

      const after = Date.now();
      // 201 confirmed, or 202 when a busy machine made the charge outlast its window: both sent both calls.
      expect([201, 202]).toContain(placed.status);
      const reserve = s.inventory.callsTo('POST', /^\/internal\/reservations$/)[0];
      const charge = s.payment.callsTo('POST', /^\/internal\/payments$/)[0];
      expect(reserve).toBeDefined();
      expect(charge).toBeDefined();
      for (const deadline of [deadlineOf(reserve), deadlineOf(charge)]) {
        expect(deadline).toBeGreaterThanOrEqual(before + CALL_WINDOW_MS);
        expect(deadline).toBeLessThanOrEqual(after + CALL_WINDOW_MS);
      }
    });

    test("When the charge lands 30 s after the order answered 202 (the issue's recipe), then payment refuses it, and the order ends CANCELLED payment_not_received with nothing captured and the stock back", async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0 });
      s.payment.chargeMode = 'held';
      const pending = await placePending();
      expect(s.payment.heldCount).toBe(1);

      await recoveryPasses(20);
      const landed = s.payment.landHeld(afterMinAge(30_000));
      await recoveryPasses(60, 31_000);

      expect(landed).toMatchObject([{ status: 409, body: { error: { code: 'charge_deadline_passed' } } }]);
      expect(await readOrder(pending.id)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'payment_not_received',
      });
      expect(s.payment.payments.get(pending.id)).toBeUndefined();
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
    });
  });

  describe('Defence 2: a "not found" is trusted only after the deadline', () => {
    test('When payment has no charge yet and its deadline has not passed, then recovery waits, and confirms the charge that lands before the deadline', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0, settings: { deadlines: LONG_WINDOW } });
      s.payment.chargeMode = 'held';
      const pending = await placePending();

      const early = await s.orders.domain.recoverPendingOrders(afterMinAge());
      expect(early).toMatchObject({ waiting: 1, cancelled: 0, confirmed: 0 });
      expect((await readOrder(pending.id)).status).toBe('PENDING');
      const tooSoon = await s.orders.domain.recoverPendingOrders(afterMinAge(1000));
      expect(tooSoon).toMatchObject({ waiting: 0, cancelled: 0, confirmed: 0 });

      expect(s.payment.landHeld()).toMatchObject([{ status: 201 }]);
      const later = await s.orders.domain.recoverPendingOrders(afterMinAge(LONG_WINDOW.windowMs));

      expect(later.confirmed).toBe(1);
      expect(await readOrder(pending.id)).toMatchObject({
        status: 'CONFIRMED',
        paymentId: s.payment.payments.get(pending.id)?.id,
      });
      expect(s.inventory.reservations.get(pending.id)?.status).toBe('COMMITTED');
    });

    test('When nothing lands by the deadline, then recovery cancels payment_not_received without a reconciliation, and the charge landing after is refused', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0, settings: { deadlines: LONG_WINDOW } });
      s.payment.chargeMode = 'held';
      const pending = await placePending();
      await s.orders.domain.recoverPendingOrders(afterMinAge());

      const pastDeadline = afterMinAge(LONG_WINDOW.windowMs + LONG_WINDOW.clockSkewMs);
      const report = await s.orders.domain.recoverPendingOrders(pastDeadline);

      expect(report.cancelled).toBe(1);
      expect(await readOrder(pending.id)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'payment_not_received',
      });
      expect(tasksOf(pending.id)).toEqual([]);
      expect(s.payment.landHeld(pastDeadline)).toMatchObject([{ status: 409 }]);
      expect(s.payment.payments.size).toBe(0);
    });

    test('When the customer cancels a PENDING order and its charge lands before the deadline, then the reconciliation due after the deadline refunds it as late_capture', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0, settings: { deadlines: LONG_WINDOW } });
      s.payment.chargeMode = 'held';
      const pending = await placePending();

      expect((await cancel(pending.id)).body).toMatchObject({ status: 'CANCELLED' });
      await s.orders.domain.recoverPendingOrders(afterMinAge());
      expect(s.payment.callsTo('GET', /by-order/)).toHaveLength(0);
      s.payment.landHeld();
      expect(s.payment.payments.get(pending.id)?.status).toBe('CAPTURED');

      await s.orders.domain.recoverPendingOrders(afterMinAge(LONG_WINDOW.windowMs));

      expect(s.payment.payments.get(pending.id)).toMatchObject({
        status: 'REFUNDED',
        refundReason: 'late_capture',
      });
      expect(tasksOf(pending.id)).toEqual([]);
    });

    test('When payment cannot be asked when the reconciliation is due, then it keeps asking until payment answers, and refunds the capture', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0, settings: { deadlines: LONG_WINDOW } });
      s.payment.chargeMode = 'held';
      const pending = await placePending();
      await cancel(pending.id);
      s.payment.landHeld();
      await s.payment.stop();

      const whileDown = await s.orders.domain.recoverPendingOrders(afterMinAge(LONG_WINDOW.windowMs));
      expect(whileDown.tasksRetried).toBe(1);
      expect(tasksOf(pending.id)).toEqual(['reconcile_payment']);

      await s.payment.start();
      await s.orders.domain.recoverPendingOrders(afterMinAge(60_000));

      expect(s.payment.payments.get(pending.id)).toMatchObject({
        status: 'REFUNDED',
        refundReason: 'late_capture',
      });
    });
  });

  describe('The same class for stock: a reservation that lands late', () => {
    test('When inventory has no reservation yet for a cancelled order, then the release waits for the deadline and returns the units of a reservation that lands before it', async () => {
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0, settings: { deadlines: LONG_WINDOW } });
      s.inventory.holdReservations = true;
      const pending = await placePending();
      expect(s.inventory.heldCount).toBe(1);

      const report = await s.orders.domain.recoverPendingOrders(afterMinAge());
      expect(report.cancelled).toBe(1);
      expect(await readOrder(pending.id)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'dependency_unavailable',
      });
      expect(tasksOf(pending.id)).toEqual(['release_reservation']);

      expect(s.inventory.landHeld()).toMatchObject([{ status: 201 }]);
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(9);
      await s.orders.domain.recoverPendingOrders(afterMinAge(LONG_WINDOW.windowMs));

      expect(s.inventory.reservations.get(pending.id)?.status).toBe('RELEASED');
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
      expect(tasksOf(pending.id)).toEqual([]);
    });

    test('When the reservation arrives after its deadline, then inventory refuses it and the release finishes once the deadline has passed', async () => {
      // The default test window (500 ms + 100 ms skew) has passed when recovery first looks (1 s).
      s = await startScenario({ timeoutMs: TIMEOUT_MS, retries: 0 });
      s.inventory.holdReservations = true;
      const pending = await placePending();
      await s.orders.domain.recoverPendingOrders(afterMinAge());

      expect(s.inventory.landHeld(afterMinAge(10_000))).toMatchObject([
        { status: 409, body: { error: { code: 'reservation_deadline_passed' } } },
      ]);
      await s.orders.domain.recoverPendingOrders(afterMinAge(10_000));

      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10);
      expect(tasksOf(pending.id)).toEqual([]);
    });
  });
});
