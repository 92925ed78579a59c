import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { createMetricsRegistry, createUpstreamClient, type DeadLetter } from '@shop/platform/runtime';
import { type EventData } from '@shop/platform/contracts';
import { captureLogger, request, testTokens } from '@shop/platform/tools/testing';
import type { Notification } from '../src/domain/notification.js';
import type { CustomerLookup } from '../src/domain/ports.js';
import { customerLookup } from '../src/upstream/customer-lookup.js';
import { startFakeCustomerService } from './support/fake-customer-service.js';
import {
  adminToken,
  customerRegistered,
  event,
  handled,
  orderConfirmed,
  startNotifications,
  WAIT,
  type NotificationList,
  type RunningNotifications,
} from './support/notification-harness.js';

async function notificationsOf(running: RunningNotifications, customerId: string): Promise<Notification[]> {
  const res = await request<NotificationList>(
    running.url,
    'GET',
    `/api/notifications?customerId=${customerId}&limit=100`,
    { token: adminToken },
  );
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Deliveries the consumer recognised as already handled (`events_consumed_total{outcome="duplicate"}`). */
async function duplicateDeliveries(running: RunningNotifications, type: string): Promise<number> {
  const metrics = (await request<string>(running.url, 'GET', '/metrics')).body;
  const sample = metrics
    .split('\n')
    .find(
      (line) =>
        line.startsWith('events_consumed_total{') &&
        line.includes(`type="${type}"`) &&
        line.includes('outcome="duplicate"'),
    );
  return sample === undefined ? 0 : Number(sample.split(' ').at(-1));
}

async function notificationFor(running: RunningNotifications, eventId: string): Promise<Notification> {
  let found: Notification | undefined;
  await vi.waitFor(async () => {
    const res = await request<NotificationList>(running.url, 'GET', '/api/notifications?limit=100', {
      token: adminToken,
    });
    found = res.body.data.find((notification) => notification.eventId === eventId);
    expect(found).toBeDefined();
  }, WAIT);
  return found as Notification;
}

describe('notification-service events (embedded transport)', () => {
  let service: RunningNotifications;

  beforeAll(async () => {
    service = await startNotifications();
  });
  afterAll(async () => {
    await service.stop();
  });

  test('When a registered customer has an order confirmed, then it is sent to their address with the event correlation ID (record, mail, log)', async () => {
    const registered = customerRegistered();
    const { customerId, email } = registered.data;
    const confirmed = orderConfirmed(customerId);

    await service.publish(registered);
    const welcome = await notificationFor(service, registered.id);
    await service.publish(confirmed);
    const confirmation = await notificationFor(service, confirmed.id);

    expect(welcome).toEqual(
      expect.objectContaining({
        customerId,
        recipient: email,
        status: 'SENT',
        eventType: 'CustomerRegistered',
      }),
    );
    expect(confirmation).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      customerId,
      channel: 'email',
      recipient: email,
      subject: `Order ${confirmed.data.orderId.split('-')[0]} confirmed`,
      body: expect.stringContaining('2 x Mug') as unknown,
      status: 'SENT',
      eventId: confirmed.id,
      eventType: 'OrderConfirmed',
      correlationId: confirmed.correlationId,
      createdAt: expect.any(String) as unknown,
      readAt: null,
    });
    expect(confirmation.body).toContain('$25.98');
    expect(service.mailLines().filter((line) => line.notificationId === confirmation.id)).toEqual([
      expect.objectContaining({ recipient: email, correlationId: confirmed.correlationId }),
    ]);
    const logged = service
      .logLines()
      .filter((line) => line.eventId === confirmed.id)
      .map((line) => [line.message, line.correlationId]);
    expect(logged).toEqual(
      expect.arrayContaining([
        ['notification sent', confirmed.correlationId],
        ['notification recorded', confirmed.correlationId],
      ]),
    );
  });

  test('When the same event is delivered three times, then one notification is recorded and one message sent', async () => {
    const registered = customerRegistered();
    const confirmed = orderConfirmed(registered.data.customerId);
    await service.publish(registered);
    await notificationFor(service, registered.id);
    const duplicatesBefore = await duplicateDeliveries(service, 'OrderConfirmed');

    await service.publish(confirmed);
    await service.publish(confirmed);
    await service.publish(confirmed);
    // Two consumers each skip the two repeats: the notifier and the analytics module (its own queue).
    await vi.waitFor(
      async () => expect(await duplicateDeliveries(service, 'OrderConfirmed')).toBe(duplicatesBefore + 4),
      WAIT,
    );

    const recorded = (await notificationsOf(service, registered.data.customerId)).filter(
      (n) => n.eventId === confirmed.id,
    );
    expect(recorded).toEqual([expect.objectContaining({ status: 'SENT' })]);
    expect(service.mailLines().filter((line) => line.eventId === confirmed.id)).toHaveLength(1);
  });

  test.each<[string, () => { envelope: Parameters<RunningNotifications['publish']>[0]; subject: RegExp }]>([
    [
      'OrderCancelled',
      () => {
        const data: EventData<'OrderCancelled'> = {
          orderId: randomUUID(),
          customerId: randomUUID(),
          reason: 'payment_declined',
          previousStatus: 'PENDING',
        };
        return { envelope: event('OrderCancelled', data), subject: /^Order [0-9a-f]{8} cancelled$/ };
      },
    ],
    [
      'PaymentRefunded',
      () => ({
        envelope: event(
          'PaymentRefunded',
          {
            paymentId: randomUUID(),
            orderId: randomUUID(),
            customerId: randomUUID(),
            amountCents: 1_050,
            currency: 'USD',
          },
          'payment-service',
        ),
        subject: /^Refund of \$10\.50 for order [0-9a-f]{8}$/,
      }),
    ],
    [
      'ShipmentScheduled',
      () => ({
        envelope: event(
          'ShipmentScheduled',
          {
            shipmentId: randomUUID(),
            orderId: randomUUID(),
            customerId: randomUUID(),
            carrier: 'DHL',
            trackingNumber: 'JD0123456789ABCDEF',
            estimatedDelivery: '2030-01-04',
          },
          'shipping-service',
        ),
        subject: /^Order [0-9a-f]{8} will ship with DHL$/,
      }),
    ],
    ...(['IN_TRANSIT', 'DELIVERED'] as const).map(
      (
        status,
      ): [string, () => { envelope: Parameters<RunningNotifications['publish']>[0]; subject: RegExp }] => [
        `ShipmentStatusChanged ${status}`,
        () => ({
          envelope: event(
            'ShipmentStatusChanged',
            {
              shipmentId: randomUUID(),
              orderId: randomUUID(),
              customerId: randomUUID(),
              status,
              previousStatus: status === 'IN_TRANSIT' ? 'SCHEDULED' : 'IN_TRANSIT',
            },
            'shipping-service',
          ),
          subject: status === 'IN_TRANSIT' ? /is on its way$/ : /was delivered$/,
        }),
      ],
    ),
  ])('When %s arrives, then the customer gets a notification about it', async (_type, build) => {
    const { envelope, subject } = build();

    await service.publish(envelope);
    const notification = await notificationFor(service, envelope.id);

    expect(notification.subject).toMatch(subject);
    expect(notification.correlationId).toBe(envelope.correlationId);
    expect(notification.customerId).toBe((envelope.data as { customerId: string }).customerId);
  });

  test('When a shipment is cancelled, then no notification is recorded (the order cancellation tells the customer)', async () => {
    const cancelledShipment = event(
      'ShipmentStatusChanged',
      {
        shipmentId: randomUUID(),
        orderId: randomUUID(),
        customerId: randomUUID(),
        status: 'CANCELLED',
        previousStatus: 'SCHEDULED',
      },
      'shipping-service',
    );

    await service.publish(cancelledShipment);
    await vi.waitFor(() => expect(handled(service.db, cancelledShipment.id)).toBe(true), WAIT);

    expect(await notificationsOf(service, cancelledShipment.data.customerId)).toEqual([]);
  });

  test('When customer-service does not know the customer of an existing order, then the notification is FAILED without a recipient', async () => {
    const confirmed = orderConfirmed(randomUUID());

    await service.publish(confirmed);
    const notification = await notificationFor(service, confirmed.id);

    expect(notification).toEqual(
      expect.objectContaining({
        status: 'FAILED',
        recipient: null,
        failureReason: expect.any(String) as unknown,
      }),
    );
    expect(service.mailLines().some((line) => line.notificationId === notification.id)).toBe(false);
  });
});

describe('notification-service verifies what an event is about', () => {
  let service: RunningNotifications;

  beforeAll(async () => {
    service = await startNotifications();
  });
  afterAll(async () => {
    await service.stop();
  });

  async function deadLetterOf(eventId: string): Promise<DeadLetter> {
    let letter: DeadLetter | undefined;
    await vi.waitFor(async () => {
      letter = (await service.bus.transport.listDeadLetters('notification-service')).find(
        (candidate) => candidate.eventId === eventId,
      );
      expect(letter).toBeDefined();
    }, WAIT);
    return letter as DeadLetter;
  }

  test('When OrderConfirmed is about an order order-service does not know, then nobody is notified and it is dead-lettered as unknown_aggregate', async () => {
    const registered = customerRegistered();
    await service.publish(registered);
    await notificationFor(service, registered.id);
    const confirmed = orderConfirmed(registered.data.customerId);

    await service.publish(confirmed, { subjectExists: false });

    expect(await deadLetterOf(confirmed.id)).toMatchObject({
      reason: 'unknown_aggregate',
      attempts: 1,
      error: `order ${confirmed.data.orderId} does not exist at order-service`,
    });
    expect(service.owners.orders.calls.map((call) => call.path)).toContain(
      `/internal/orders/${confirmed.data.orderId}`,
    );
    expect((await notificationsOf(service, registered.data.customerId)).map((n) => n.eventId)).toEqual([
      registered.id,
    ]);
    expect(service.mailLines().some((line) => line.eventId === confirmed.id)).toBe(false);
    expect(handled(service.db, confirmed.id)).toBe(false);
  });

  /** A PaymentRefunded as payment-service publishes it; `reason` as it refunded. */
  function paymentRefunded(customerId: string, reason: string, orderId: string = randomUUID()) {
    return event(
      'PaymentRefunded',
      { paymentId: randomUUID(), orderId, customerId, amountCents: 700, currency: 'USD', reason },
      'payment-service',
    );
  }

  test('When a capture nobody ordered is refunded (unknown_order), then the customer is told of the refund although the order does not exist, after payment-service confirmed that refund', async () => {
    const registered = customerRegistered();
    await service.publish(registered);
    await notificationFor(service, registered.id);
    const refunded = paymentRefunded(registered.data.customerId, 'unknown_order');
    const { orderId, paymentId, customerId } = refunded.data;
    service.owners.payments.payments.set(orderId, {
      id: paymentId,
      orderId,
      customerId,
      status: 'REFUNDED',
      refundReason: 'unknown_order',
    });

    await service.publish(refunded, { subjectExists: false });

    const notification = await notificationFor(service, refunded.id);
    expect(notification).toMatchObject({ eventType: 'PaymentRefunded', status: 'SENT', customerId });
    expect(service.owners.orders.calls.map((call) => call.path)).toContain(`/internal/orders/${orderId}`);
    expect(service.owners.payments.calls).toContain(`/internal/payments/by-order/${orderId}`);
    expect(
      (await service.bus.transport.listDeadLetters('notification-service')).filter(
        (letter) => letter.eventId === refunded.id,
      ),
    ).toEqual([]);
  });

  test('When a PaymentRefunded says unknown_order but payment-service knows no such payment, then it is dead-lettered as unknown_aggregate and nobody is notified', async () => {
    const refunded = paymentRefunded(randomUUID(), 'unknown_order');

    await service.publish(refunded, { subjectExists: false });

    expect(await deadLetterOf(refunded.id)).toMatchObject({
      reason: 'unknown_aggregate',
      error: `payment of order ${refunded.data.orderId} does not exist at payment-service`,
    });
    expect(await notificationsOf(service, refunded.data.customerId)).toEqual([]);
  });

  test('When payment-service contradicts an unknown_order refund (another payment, customer, status or reason), then it is dead-lettered as aggregate_mismatch', async () => {
    const cases = [
      { id: randomUUID() },
      { customerId: randomUUID() },
      { status: 'CAPTURED', refundReason: undefined },
      { refundReason: 'order_cancelled' },
    ];
    for (const change of cases) {
      const refunded = paymentRefunded(randomUUID(), 'unknown_order');
      const { orderId, paymentId, customerId } = refunded.data;
      const payment = {
        id: paymentId,
        orderId,
        customerId,
        status: 'REFUNDED',
        refundReason: 'unknown_order',
      };
      const { refundReason, ...rest } = { ...payment, ...change };
      service.owners.payments.payments.set(orderId, {
        ...rest,
        ...(refundReason !== undefined && { refundReason }),
      });

      await service.publish(refunded, { subjectExists: false });

      expect(await deadLetterOf(refunded.id), JSON.stringify(change)).toMatchObject({
        reason: 'aggregate_mismatch',
      });
      expect(await notificationsOf(service, customerId)).toEqual([]);
    }
  });

  test('When a PaymentRefunded for another reason (late_capture, order_cancelled) names an order that does not exist, then it is dead-lettered as unknown_aggregate without asking payment-service', async () => {
    for (const reason of ['late_capture', 'order_cancelled']) {
      const refunded = paymentRefunded(randomUUID(), reason);
      service.owners.payments.payments.set(refunded.data.orderId, {
        id: refunded.data.paymentId,
        orderId: refunded.data.orderId,
        customerId: refunded.data.customerId,
        status: 'REFUNDED',
        refundReason: reason,
      });

      await service.publish(refunded, { subjectExists: false });

      expect(await deadLetterOf(refunded.id)).toMatchObject({ reason: 'unknown_aggregate' });
      expect(service.owners.payments.calls).not.toContain(
        `/internal/payments/by-order/${refunded.data.orderId}`,
      );
    }
  });

  test('When CustomerRegistered is about a customer customer-service does not know, then no welcome is sent and it is dead-lettered', async () => {
    const registered = customerRegistered();

    await service.publish(registered, { subjectExists: false });

    expect(await deadLetterOf(registered.id)).toMatchObject({ reason: 'unknown_aggregate' });
    expect(await notificationsOf(service, registered.data.customerId)).toEqual([]);
  });

  test('When an event names another customer than its order has, then nobody is notified and it is dead-lettered as aggregate_mismatch', async () => {
    const confirmed = orderConfirmed(randomUUID());
    service.owners.orders.orders.set(confirmed.data.orderId, {
      id: confirmed.data.orderId,
      customerId: randomUUID(),
      status: 'CONFIRMED',
    });

    await service.publish(confirmed, { subjectExists: false });

    expect(await deadLetterOf(confirmed.id)).toMatchObject({ reason: 'aggregate_mismatch' });
    expect(await notificationsOf(service, confirmed.data.customerId)).toEqual([]);
  });

  test('When several events are about one order, then order-service is asked about it once; an order it did not know is asked about again', async () => {
    const registered = customerRegistered();
    await service.publish(registered);
    await notificationFor(service, registered.id);
    const { customerId } = registered.data;
    const confirmed = orderConfirmed(customerId);
    const { orderId } = confirmed.data;
    const scheduled = event(
      'ShipmentScheduled',
      {
        shipmentId: randomUUID(),
        orderId,
        customerId,
        carrier: 'DHL',
        trackingNumber: 'JD0123456789ABCDEF',
        estimatedDelivery: '2030-01-04',
      },
      'shipping-service',
    );
    const lookupsOf = (id: string) =>
      service.owners.orders.calls.filter((call) => call.path === `/internal/orders/${id}`).length;

    // Each reaches the notifier and analytics: four checks of the order.
    await service.publish(confirmed);
    await notificationFor(service, confirmed.id);
    await service.publish(scheduled);
    await notificationFor(service, scheduled.id);
    expect(lookupsOf(orderId)).toBe(1);

    // Another customer's claim on the known order is still refused: the remembered customer is compared.
    const claim = orderConfirmed(randomUUID(), orderId);
    await service.publish(claim, { subjectExists: false });
    expect(await deadLetterOf(claim.id)).toMatchObject({ reason: 'aggregate_mismatch' });

    // Not found is not remembered: once order-service has the order, the next event about it is notified.
    const early = orderConfirmed(customerId);
    await service.publish(early, { subjectExists: false });
    expect(await deadLetterOf(early.id)).toMatchObject({ reason: 'unknown_aggregate' });
    service.owners.orders.orders.set(early.data.orderId, {
      id: early.data.orderId,
      customerId,
      status: 'CONFIRMED',
    });
    const again = orderConfirmed(customerId, early.data.orderId);
    await service.publish(again);
    expect(await notificationFor(service, again.id)).toMatchObject({ status: 'SENT' });
    expect(lookupsOf(early.data.orderId)).toBeGreaterThanOrEqual(2);
  });

  test('When order-service cannot answer, then the event is retried, dead-lettered as failed once the retries are spent, and notified when replayed', async () => {
    const registered = customerRegistered();
    await service.publish(registered);
    await notificationFor(service, registered.id);
    const confirmed = orderConfirmed(registered.data.customerId);
    service.owners.orders.unavailable = 503;
    try {
      await service.publish(confirmed);
      expect(await deadLetterOf(confirmed.id)).toMatchObject({ reason: 'failed', attempts: 3 });
    } finally {
      service.owners.orders.unavailable = undefined;
    }

    await service.bus.transport.replayDeadLetters('notification-service', [confirmed.id]);

    expect(await notificationFor(service, confirmed.id)).toEqual(expect.objectContaining({ status: 'SENT' }));
  });
});

describe('notification-service looks owners up without a circuit breaker', () => {
  test('When order-service fails every lookup for a moment and then answers, then every event of that moment is notified within its retries, none dead-lettered', async () => {
    // The service's own upstream settings: a breaker here would open on these failures and, half-open, reject
    // every retry but one probe, so the events would spend their attempts and be dead-lettered as failed.
    const service = await startNotifications({ ownUpstreamSettings: true });
    try {
      const registered = customerRegistered();
      await service.publish(registered);
      await notificationFor(service, registered.id);
      service.owners.orders.unavailable = 500;
      const confirmed = Array.from({ length: 8 }, () => orderConfirmed(registered.data.customerId));
      await Promise.all(confirmed.map((event) => service.publish(event)));
      // Every event's first attempt failed (more than a breaker's volume threshold of 5); then the owner is back.
      await vi.waitFor(() => expect(service.owners.orders.calls.length).toBeGreaterThanOrEqual(8), WAIT);
      service.owners.orders.unavailable = undefined;

      for (const event of confirmed)
        expect(await notificationFor(service, event.id)).toEqual(expect.objectContaining({ status: 'SENT' }));
      expect(await service.bus.transport.listDeadLetters('notification-service')).toEqual([]);
    } finally {
      await service.stop();
    }
  });
});

describe('notification-service recipient lookup at customer-service', () => {
  let service: RunningNotifications | undefined;
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    for (const close of closers.splice(0)) await close();
  });

  test('When the customer is not in the directory, then customer-service is asked once with a service token and the event correlation ID', async () => {
    const customerId = randomUUID();
    const customers = await startFakeCustomerService({
      [customerId]: { name: 'Bo', email: 'bo@example.com' },
    });
    closers.push(() => customers.close());
    const { logger } = captureLogger('notification-service');
    const client = createUpstreamClient({
      name: 'customer-service',
      baseUrl: customers.url,
      logger,
      registry: createMetricsRegistry('notification-service', { collectDefault: false }),
    });
    closers.push(() => client.close());
    service = await startNotifications({
      lookup: customerLookup(client, testTokens(), 'notification-service'),
    });
    const first = orderConfirmed(customerId);
    const second = orderConfirmed(customerId);

    await service.publish(first);
    const notification = await notificationFor(service, first.id);
    await service.publish(second);
    await notificationFor(service, second.id);

    expect(notification).toEqual(expect.objectContaining({ recipient: 'bo@example.com', status: 'SENT' }));
    expect(customers.calls).toHaveLength(1);
    expect(customers.calls[0]?.path).toBe(`/internal/customers/${customerId}`);
    expect(customers.calls[0]?.headers['x-correlation-id']).toBe(first.correlationId);
    const token = String(customers.calls[0]?.headers.authorization).replace(/^Bearer /, '');
    expect(testTokens().verifyAccessToken(token)).toEqual(
      expect.objectContaining({ id: 'service:notification-service', role: 'service' }),
    );
  });

  test('When customer-service cannot answer at first, then the event is retried and the notification is sent once', async () => {
    const customerId = randomUUID();
    let calls = 0;
    const flaky: CustomerLookup = {
      contactOf: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('customer-service unavailable'))
          : Promise.resolve({ name: 'Cy', email: 'cy@example.com' });
      },
    };
    service = await startNotifications({ lookup: flaky });
    const confirmed = orderConfirmed(customerId);

    await service.publish(confirmed);
    const notification = await notificationFor(service, confirmed.id);

    expect(notification).toEqual(expect.objectContaining({ recipient: 'cy@example.com', status: 'SENT' }));
    expect(calls).toBe(2);
    expect(await notificationsOf(service, customerId)).toHaveLength(1);
  });

  test('When the sender fails, then the notification is recorded as FAILED with the reason', async () => {
    service = await startNotifications({
      sender: { name: 'smtp', send: () => Promise.reject(new Error('connection refused')) },
    });
    const registered = customerRegistered();

    await service.publish(registered);
    const notification = await notificationFor(service, registered.id);

    expect(notification).toEqual(
      expect.objectContaining({ status: 'FAILED', failureReason: 'smtp sender: connection refused' }),
    );
  });
});
