import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEnvelope, type TypedEnvelope } from '@shop/platform/runtime';
import { type EventData } from '@shop/platform/contracts';
import { request } from '@shop/platform/tools/testing';
import { handled, startWithEvents, stopFixture, type EventsFixture } from './support/events-fixture.js';
import type { FakePaymentRecord } from './support/fake-payment.js';
import {
  afterMinAge,
  customerA,
  placeOrder,
  tokenOf,
  type OrderBody,
} from './support/order-service-harness.js';
import { KEYBOARD, type Scenario } from './support/scenario.js';

const WAIT = { timeout: 5_000, interval: 20 };

function paymentEvent(
  type: 'PaymentCaptured' | 'PaymentRefunded',
  payment: FakePaymentRecord,
): TypedEnvelope<'PaymentCaptured'> | TypedEnvelope<'PaymentRefunded'> {
  const data: EventData<'PaymentCaptured'> = {
    paymentId: payment.id,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amountCents: payment.amountCents,
    currency: 'USD',
  };
  const options = { source: 'payment-service', correlationId: `pay-${randomUUID()}` };
  return type === 'PaymentCaptured'
    ? createEnvelope('PaymentCaptured', data, options)
    : createEnvelope('PaymentRefunded', data, options);
}

describe("Payment's and inventory's facts reconciled with the orders (issue 8, defence 3)", () => {
  let fixture: EventsFixture;
  let s: Scenario;

  beforeEach(async () => {
    fixture = await startWithEvents({ timeoutMs: 200, retries: 0 });
    s = fixture.s;
  });
  afterEach(async () => {
    await stopFixture(fixture);
  });

  const readOrder = async (id: string) =>
    (await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${id}`, { token: tokenOf(customerA) })).body;

  const refundCalls = (orderId: string) =>
    s.payment.callsTo('POST', new RegExp(`/internal/payments/by-order/${orderId}/refund$`));

  async function deliver(event: TypedEnvelope<'PaymentCaptured' | 'PaymentRefunded' | 'StockReserved'>) {
    await fixture.probe.publish(event);
    await vi.waitFor(() => expect(handled(s, event.id)).toBe(true), WAIT);
  }

  async function confirmedOrder(): Promise<OrderBody> {
    const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
    expect(placed.status).toBe(201);
    return placed.body;
  }

  describe('PaymentCaptured', () => {
    test('When it arrives for an order cancelled before it was confirmed, then the capture is refunded as late_capture, once, although the event comes twice', async () => {
      s.payment.chargeMode = 'held';
      const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
      expect(placed.status).toBe(202);
      const cancelled = await request<OrderBody>(
        s.orders.url,
        'POST',
        `/api/orders/${placed.body.id}/cancel`,
        {
          token: tokenOf(customerA),
        },
      );
      expect(cancelled.body.status).toBe('CANCELLED');
      s.payment.landHeld();
      const payment = s.payment.payments.get(placed.body.id) as FakePaymentRecord;
      const event = paymentEvent('PaymentCaptured', payment);

      await deliver(event);
      await fixture.probe.publish(event);
      await vi.waitFor(async () => expect(await fixture.probe.pending()).toBe(0), WAIT);

      expect(payment).toMatchObject({ status: 'REFUNDED', refundReason: 'late_capture' });
      expect(refundCalls(placed.body.id)).toHaveLength(1);
      expect(await readOrder(placed.body.id)).toMatchObject({ status: 'CANCELLED' });
      const logged = s.orders
        .logLines()
        .find(
          (line) => line.message === 'payment captured for an order that will not be confirmed: refunding',
        );
      expect(logged).toMatchObject({
        'log.level': 'warn',
        correlationId: event.correlationId,
        orderId: placed.body.id,
        reason: 'late_capture',
      });
    });

    test('When it arrives for an order order-service does not know, then the capture is refunded as unknown_order under the event correlation ID', async () => {
      const payment = s.payment.capture(randomUUID(), 4200);
      const event = paymentEvent('PaymentCaptured', payment);

      await deliver(event);

      await vi.waitFor(() => expect(payment.status).toBe('REFUNDED'), WAIT);
      expect(payment.refundReason).toBe('unknown_order');
      expect(refundCalls(payment.orderId)[0]?.headers['x-correlation-id']).toBe(event.correlationId);
    });

    test("When it is the confirmed order's own capture, then nothing is refunded", async () => {
      const order = await confirmedOrder();
      const payment = s.payment.payments.get(order.id) as FakePaymentRecord;

      await deliver(paymentEvent('PaymentCaptured', payment));

      expect(payment.status).toBe('CAPTURED');
      expect(refundCalls(order.id)).toHaveLength(0);
      expect(await readOrder(order.id)).toMatchObject({ status: 'CONFIRMED', paymentId: payment.id });
    });

    test('When payment is down as it arrives, then the event is acknowledged and the recovery worker retries the refund under the event correlation ID until it succeeds', async () => {
      const payment = s.payment.capture(randomUUID(), 4200);
      const event = paymentEvent('PaymentCaptured', payment);
      await s.payment.stop();

      await deliver(event);

      const task = () =>
        s.orders.db
          .prepare(
            'SELECT kind, attempts, correlation_id AS correlationId FROM order_tasks WHERE order_id = ?',
          )
          .get(payment.orderId);
      await vi.waitFor(
        () =>
          expect(task()).toEqual({ kind: 'refund_payment', attempts: 1, correlationId: event.correlationId }),
        WAIT,
      );
      expect(await fixture.probe.deadLetters()).toEqual([]);
      await s.payment.start();
      await s.orders.domain.recoverPendingOrders(afterMinAge(60_000));
      expect(payment).toMatchObject({ status: 'REFUNDED', refundReason: 'unknown_order' });
      expect(refundCalls(payment.orderId).at(-1)?.headers['x-correlation-id']).toBe(event.correlationId);
    });
  });

  describe('PaymentRefunded', () => {
    test('When the payment of a CONFIRMED order was refunded behind its back, then the order is cancelled (payment_refunded) and restocked through the saga, without a second refund', async () => {
      const order = await confirmedOrder();
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(9);
      const payment = s.payment.payments.get(order.id) as FakePaymentRecord;
      payment.status = 'REFUNDED';

      await deliver(paymentEvent('PaymentRefunded', payment));

      expect(await readOrder(order.id)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'payment_refunded',
      });
      await vi.waitFor(() => expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10), WAIT);
      expect(refundCalls(order.id)).toHaveLength(0);
      await vi.waitFor(
        () =>
          expect(
            fixture.probe.received.filter((e) => e.type === 'OrderCancelled').map((e) => e.data),
          ).toEqual([
            expect.objectContaining({
              orderId: order.id,
              reason: 'payment_refunded',
              previousStatus: 'CONFIRMED',
            }),
          ]),
        WAIT,
      );
    });

    test('When the order has shipped, then it stays SHIPPED and the refund is logged as an error for a person to handle', async () => {
      const order = await confirmedOrder();
      s.orders.domain.applyFulfilment(order.id, 'SHIPPED');
      const payment = s.payment.payments.get(order.id) as FakePaymentRecord;
      payment.status = 'REFUNDED';

      await deliver(paymentEvent('PaymentRefunded', payment));

      expect((await readOrder(order.id)).status).toBe('SHIPPED');
      expect(
        s.orders.logLines().find((line) => line.orderId === order.id && line['log.level'] === 'error'),
      ).toMatchObject({ message: 'the payment of an order whose goods have left was refunded' });
    });
  });

  describe('StockReserved', () => {
    test('When stock was reserved for an order already cancelled (the reservation slipped past the deadline check), then it is released', async () => {
      s.inventory.holdReservations = true;
      const placed = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 2 }] });
      expect(placed.status).toBe(202);
      await s.orders.domain.recoverPendingOrders(afterMinAge());
      expect(await readOrder(placed.body.id)).toMatchObject({ status: 'CANCELLED' });
      // As if inventory's clock ran far behind: the reservation is taken although its deadline has passed.
      s.inventory.landHeld(new Date(0));
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

      await deliver(
        createEnvelope(
          'StockReserved',
          { orderId: placed.body.id, items: [{ productId: KEYBOARD.id, quantity: 2 }] },
          { source: 'inventory-service', correlationId: `inv-${randomUUID()}` },
        ),
      );

      await vi.waitFor(() => expect(s.inventory.stockOf(KEYBOARD.id)).toBe(10), WAIT);
      expect(s.inventory.reservations.get(placed.body.id)?.status).toBe('RELEASED');
    });

    test('When stock was reserved for a confirmed order, then nothing is released', async () => {
      const order = await confirmedOrder();

      await deliver(
        createEnvelope(
          'StockReserved',
          { orderId: order.id, items: [{ productId: KEYBOARD.id, quantity: 1 }] },
          { source: 'inventory-service', correlationId: `inv-${randomUUID()}` },
        ),
      );

      expect(s.inventory.callsTo('POST', /\/release$/)).toHaveLength(0);
      expect(s.inventory.stockOf(KEYBOARD.id)).toBe(9);
    });
  });
});
