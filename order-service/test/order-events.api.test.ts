import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createEnvelope, runWithContext, type TypedEnvelope } from '@shop/platform/runtime';
import { type EventData } from '@shop/platform/contracts';
import { request } from '@shop/platform/tools/testing';
import { handled, startWithEvents, stopFixture, type EventsFixture } from './support/events-fixture.js';
import {
  afterMinAge,
  customerA,
  metricValue,
  placeOrder,
  tokenOf,
  type ErrorBody,
  type OrderBody,
} from './support/order-service-harness.js';
import { CABLE, KEYBOARD, type Scenario } from './support/scenario.js';

const WAIT = { timeout: 5_000, interval: 20 };

interface StoredEvent {
  id: string;
  type: string;
  correlationId: string;
  source: string;
  data: Record<string, unknown>;
}

function outboxEvents(s: Scenario, orderId: string): (StoredEvent & { sent: boolean })[] {
  const rows = s.orders.db.prepare('SELECT envelope, sent_at FROM event_outbox ORDER BY seq').all() as {
    envelope: string;
    sent_at: string | null;
  }[];
  return rows
    .map((row) => ({ ...(JSON.parse(row.envelope) as StoredEvent), sent: row.sent_at !== null }))
    .filter((event) => event.data.orderId === orderId);
}

async function readOrder(s: Scenario, id: string): Promise<OrderBody> {
  const res = await request<OrderBody>(s.orders.url, 'GET', `/api/orders/${id}`, {
    token: tokenOf(customerA),
  });
  expect(res.status).toBe(200);
  return res.body;
}

async function confirmedOrder(s: Scenario): Promise<OrderBody> {
  const res = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
  expect(res.status).toBe(201);
  return res.body;
}

function shippingEvent<T extends 'ShipmentScheduled' | 'ShipmentStatusChanged'>(
  type: T,
  data: EventData<T>,
  correlationId = `ship-${randomUUID()}`,
): TypedEnvelope<T> {
  return createEnvelope(type, data, { source: 'shipping-service', correlationId });
}

function statusChanged(
  order: { id: string; customerId: string },
  status: 'IN_TRANSIT' | 'DELIVERED' | 'CANCELLED',
  previousStatus: 'SCHEDULED' | 'IN_TRANSIT' = 'SCHEDULED',
  shipmentId = randomUUID(),
): TypedEnvelope<'ShipmentStatusChanged'> {
  return shippingEvent('ShipmentStatusChanged', {
    shipmentId,
    orderId: order.id,
    customerId: order.customerId,
    status,
    previousStatus,
  });
}

async function deliver(
  fixture: EventsFixture,
  event: TypedEnvelope<'ShipmentScheduled' | 'ShipmentStatusChanged'>,
) {
  await fixture.probe.publish(event);
  await vi.waitFor(() => expect(handled(fixture.s, event.id)).toBe(true), WAIT);
}

async function metrics(s: Scenario): Promise<string> {
  return (await request<string>(s.orders.url, 'GET', '/metrics')).body;
}

describe('order-service events (embedded transport)', () => {
  let fixture: EventsFixture;
  let s: Scenario;

  beforeEach(async () => {
    fixture = await startWithEvents();
    s = fixture.s;
  });
  afterEach(async () => {
    await stopFixture(fixture);
  });

  describe('POST /api/orders', () => {
    test('When an order is confirmed, then exactly one OrderConfirmed with the request correlation ID is in the outbox and is published', async () => {
      const correlationId = `order-${randomUUID()}`;

      const res = await placeOrder(
        s.orders.url,
        {
          items: [
            { productId: KEYBOARD.id, quantity: 2 },
            { productId: CABLE.id, quantity: 1 },
          ],
        },
        { headers: { 'x-correlation-id': correlationId } },
      );

      expect(res.status).toBe(201);
      const orderId = res.body.id;
      const expected = {
        type: 'OrderConfirmed',
        source: 'order-service',
        correlationId,
        data: {
          orderId,
          customerId: customerA.id,
          totalCents: 2 * KEYBOARD.priceCents + CABLE.priceCents,
          currency: 'USD',
          items: [
            { productId: KEYBOARD.id, name: KEYBOARD.name, quantity: 2, unitPriceCents: KEYBOARD.priceCents },
            { productId: CABLE.id, name: CABLE.name, quantity: 1, unitPriceCents: CABLE.priceCents },
          ],
        },
      };
      const written = outboxEvents(s, orderId);
      expect(written).toEqual([expect.objectContaining(expected)]);
      await vi.waitFor(
        () =>
          expect(fixture.probe.received.filter((event) => event.data.orderId === orderId)).toEqual([
            expect.objectContaining({ ...expected, id: written[0]?.id }),
          ]),
        WAIT,
      );
      await vi.waitFor(
        () => expect(outboxEvents(s, orderId).map((event) => event.sent)).toEqual([true]),
        WAIT,
      );
    });

    test('When the card is declined, then OrderCancelled (payment_declined, from PENDING) is published and no OrderConfirmed', async () => {
      const correlationId = `declined-${randomUUID()}`;

      const res = await placeOrder(
        s.orders.url,
        { items: [{ productId: KEYBOARD.id, quantity: 1 }], payment: { token: 'tok_chargeDeclined' } },
        { headers: { 'x-correlation-id': correlationId } },
      );

      expect(res.status).toBe(402);
      const orderId = res.body.error.details?.orderId as string;
      expect(outboxEvents(s, orderId)).toEqual([
        expect.objectContaining({
          type: 'OrderCancelled',
          correlationId,
          data: { orderId, customerId: customerA.id, reason: 'payment_declined', previousStatus: 'PENDING' },
        }),
      ]);
      await vi.waitFor(
        () =>
          expect(
            fixture.probe.received.filter((event) => event.data.orderId === orderId).map((e) => e.type),
          ).toEqual(['OrderCancelled']),
        WAIT,
      );
    });
  });

  describe('POST /api/orders/:id/cancel', () => {
    test('When a confirmed order is cancelled, then OrderCancelled (from CONFIRMED) carries the cancel request correlation ID', async () => {
      const order = await confirmedOrder(s);
      const correlationId = `cancel-${randomUUID()}`;

      const res = await request<OrderBody>(s.orders.url, 'POST', `/api/orders/${order.id}/cancel`, {
        token: tokenOf(customerA),
        headers: { 'x-correlation-id': correlationId },
      });

      expect(res.status).toBe(200);
      expect(outboxEvents(s, order.id).map((event) => [event.type, event.correlationId, event.data])).toEqual(
        [
          ['OrderConfirmed', expect.any(String), expect.anything()],
          [
            'OrderCancelled',
            correlationId,
            {
              orderId: order.id,
              customerId: customerA.id,
              reason: 'cancelled_by_customer',
              previousStatus: 'CONFIRMED',
            },
          ],
        ],
      );
    });
  });

  describe('ShipmentScheduled / ShipmentStatusChanged', () => {
    test('When ShipmentScheduled arrives, then the shipment and tracking number are recorded and the order stays CONFIRMED', async () => {
      const order = await confirmedOrder(s);
      const scheduled = shippingEvent('ShipmentScheduled', {
        shipmentId: randomUUID(),
        orderId: order.id,
        customerId: order.customerId,
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        estimatedDelivery: '2030-01-04',
      });

      await deliver(fixture, scheduled);

      expect(await readOrder(s, order.id)).toMatchObject({
        status: 'CONFIRMED',
        shipmentId: scheduled.data.shipmentId,
        trackingNumber: '1Z999AA10123456784',
      });
      const logged = s.orders
        .logLines()
        .find((line) => line.message === 'shipment recorded on the order' && line.orderId === order.id);
      expect(logged?.correlationId).toBe(scheduled.correlationId);
    });

    test('When ShipmentStatusChanged IN_TRANSIT arrives, then the order is SHIPPED and cancelling it is refused with 409', async () => {
      const order = await confirmedOrder(s);

      await deliver(fixture, statusChanged(order, 'IN_TRANSIT'));

      expect(await readOrder(s, order.id)).toMatchObject({ status: 'SHIPPED' });
      const cancel = await request<ErrorBody>(s.orders.url, 'POST', `/api/orders/${order.id}/cancel`, {
        token: tokenOf(customerA),
      });
      expect(cancel.status).toBe(409);
      expect(cancel.body.error.code).toBe('order_not_cancellable');
      expect(await readOrder(s, order.id)).toMatchObject({ status: 'SHIPPED' });
      expect(s.payment.captured()).toHaveLength(1);
      expect(outboxEvents(s, order.id).map((event) => event.type)).toEqual(['OrderConfirmed']);
    });

    test('When DELIVERED arrives before IN_TRANSIT, then the order ends DELIVERED through SHIPPED and the late IN_TRANSIT changes nothing', async () => {
      const order = await confirmedOrder(s);
      const shipmentId = randomUUID();

      await deliver(fixture, statusChanged(order, 'DELIVERED', 'IN_TRANSIT', shipmentId));
      await deliver(fixture, statusChanged(order, 'IN_TRANSIT', 'SCHEDULED', shipmentId));

      expect(await readOrder(s, order.id)).toMatchObject({ status: 'DELIVERED', shipmentId });
      const text = await metrics(s);
      expect(metricValue(text, 'orders_total', { status: 'shipped' })).toBe(1);
      expect(metricValue(text, 'orders_total', { status: 'delivered' })).toBe(1);
      expect(await fixture.probe.deadLetters()).toEqual([]);
    });

    test('When the same event is delivered twice, then it has one effect', async () => {
      const order = await confirmedOrder(s);
      const inTransit = statusChanged(order, 'IN_TRANSIT');

      await fixture.probe.publish(inTransit);
      await fixture.probe.publish(inTransit);

      await vi.waitFor(async () => {
        const text = await metrics(s);
        expect(
          metricValue(text, 'events_consumed_total', { type: 'ShipmentStatusChanged', outcome: 'duplicate' }),
        ).toBe(1);
      }, WAIT);
      expect(await readOrder(s, order.id)).toMatchObject({ status: 'SHIPPED' });
      const text = await metrics(s);
      expect(
        metricValue(text, 'events_consumed_total', { type: 'ShipmentStatusChanged', outcome: 'processed' }),
      ).toBe(1);
      expect(metricValue(text, 'orders_total', { status: 'shipped' })).toBe(1);
      const changes = s.orders
        .logLines()
        .filter(
          (line) => line.message === 'order status changed by its shipment' && line.orderId === order.id,
        );
      expect(changes).toHaveLength(1);
    });

    test('When a shipment is CANCELLED, then the order is unchanged', async () => {
      const order = await confirmedOrder(s);

      await deliver(fixture, statusChanged(order, 'CANCELLED'));

      expect(await readOrder(s, order.id)).toMatchObject({ status: 'CONFIRMED' });
    });

    test('When a shipment event names an unknown order, then it is dead-lettered as unknown_aggregate at once and nothing is recorded', async () => {
      const event = statusChanged({ id: randomUUID(), customerId: customerA.id }, 'IN_TRANSIT');

      await fixture.probe.publish(event);

      await vi.waitFor(
        () =>
          expect(fixture.probe.deadLetters()).resolves.toEqual([
            expect.objectContaining({
              eventId: event.id,
              reason: 'unknown_aggregate',
              attempts: 1,
              error: `order ${event.data.orderId} does not exist`,
            }),
          ]),
        WAIT,
      );
      expect(handled(s, event.id)).toBe(false);
      const logged = s.orders
        .logLines()
        .find((line) => line.message === 'event rejected by its handler, dead-lettered');
      expect(logged).toMatchObject({ reason: 'unknown_aggregate', correlationId: event.correlationId });
    });

    test('When a shipment event names another customer than the order has, then it is dead-lettered as aggregate_mismatch and the order is unchanged', async () => {
      const order = await confirmedOrder(s);
      const event = statusChanged({ id: order.id, customerId: randomUUID() }, 'IN_TRANSIT');

      await fixture.probe.publish(event);

      await vi.waitFor(
        () =>
          expect(fixture.probe.deadLetters()).resolves.toEqual([
            expect.objectContaining({ eventId: event.id, reason: 'aggregate_mismatch' }),
          ]),
        WAIT,
      );
      expect(await readOrder(s, order.id)).toMatchObject({ status: 'CONFIRMED' });
    });

    test('When a shipment event arrives for a cancelled order, then the order stays CANCELLED and the event is acknowledged', async () => {
      const declined = await placeOrder(s.orders.url, {
        items: [{ productId: KEYBOARD.id, quantity: 1 }],
        payment: { token: 'tok_chargeDeclined' },
      });
      const orderId = declined.body.error.details?.orderId as string;

      await deliver(
        fixture,
        statusChanged({ id: orderId, customerId: customerA.id }, 'DELIVERED', 'IN_TRANSIT'),
      );

      expect(await readOrder(s, orderId)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'payment_declined',
      });
      expect(await fixture.probe.deadLetters()).toEqual([]);
      expect(
        s.orders
          .logLines()
          .some(
            (line) =>
              line.message === 'shipment event for a cancelled order, the order stays CANCELLED' &&
              line.orderId === orderId,
          ),
      ).toBe(true);
    });
  });

  describe('GET /health/ready', () => {
    test('When the bus is running, then readiness reports the broker check', async () => {
      const res = await request<{ checks: Record<string, { ok: boolean; detail?: string }> }>(
        s.orders.url,
        'GET',
        '/health/ready',
      );

      expect(res.status).toBe(200);
      expect(res.body.checks.broker).toEqual({ ok: true, detail: 'embedded connected' });
    });
  });
});

describe('order-service events after recovery (payment slower than the timeout)', () => {
  let fixture: EventsFixture;

  beforeEach(async () => {
    fixture = await startWithEvents({ timeoutMs: 200, retries: 0 });
  });
  afterEach(async () => {
    await stopFixture(fixture);
  });

  test('When a shipment event arrives for an order still PENDING, then the order stays PENDING and the event is acknowledged', async () => {
    const { s } = fixture;
    s.payment.chargeMode = 'slow_capture';
    const pending = await placeOrder(s.orders.url, { items: [{ productId: KEYBOARD.id, quantity: 1 }] });
    expect(pending.status).toBe(202);

    await deliver(fixture, statusChanged(pending.body, 'IN_TRANSIT'));

    expect(await readOrder(s, pending.body.id)).toMatchObject({ status: 'PENDING' });
    expect(await fixture.probe.deadLetters()).toEqual([]);
  });

  test('When recovery confirms an order, then its OrderConfirmed carries the original request correlation ID', async () => {
    const { s } = fixture;
    s.payment.chargeMode = 'slow_capture';
    const correlationId = `slow-${randomUUID()}`;
    const pending = await placeOrder(
      s.orders.url,
      { items: [{ productId: KEYBOARD.id, quantity: 1 }] },
      { headers: { 'x-correlation-id': correlationId } },
    );
    expect(pending.status).toBe(202);
    expect(outboxEvents(s, pending.body.id)).toEqual([]);

    // As the recovery worker runs it: each pass has a correlation ID of its own.
    const report = await runWithContext({ correlationId: `order-recovery-${randomUUID()}` }, () =>
      s.orders.domain.recoverPendingOrders(afterMinAge()),
    );

    expect(report.confirmed).toBe(1);
    expect(outboxEvents(s, pending.body.id)).toEqual([
      expect.objectContaining({ type: 'OrderConfirmed', correlationId }),
    ]);
  });
});
