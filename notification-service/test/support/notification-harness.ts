import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEnvelope,
  createEventTransport,
  createMetricsRegistry,
  type Db,
  type EventEnvelope,
  type EventTransport,
  type ServiceBus,
  type TypedEnvelope,
} from '@shop/platform/runtime';
import { type EventData, type EventType } from '@shop/platform/contracts';
import {
  captureLogger,
  startFakeOrderService,
  startServiceForTest,
  tokenFor,
  type FakeOrderService,
} from '@shop/platform/tools/testing';
import type { Notification } from '../../src/domain/notification.js';
import type { Notifier } from '../../src/domain/notifier.js';
import type { CustomerLookup, NotificationSender } from '../../src/domain/ports.js';
import { notificationService, SERVICE_NAME } from '../../src/service.js';
import { startFakeCustomerService, type FakeCustomerService } from './fake-customer-service.js';
import { startFakePaymentService, type FakePaymentService } from './fake-payment-service.js';

/** A page of GET /api/notifications. */
export interface NotificationList {
  data: Notification[];
  pagination: { page: number; limit: number; total: number };
}

export interface RunningNotifications {
  url: string;
  db: Db;
  notifier: Notifier;
  bus: ServiceBus;
  logLines: () => Record<string, unknown>[];
  /** The JSON lines the default file sender wrote. */
  mailLines: () => Record<string, unknown>[];
  /** Where the default file sender writes. */
  mailFile: string;
  /**
   * Publishes events as the other services would: like them, the owner knows the aggregate first (the fake
   * customer-service knows a registered customer, the fake payment-service a captured payment, the fake
   * order-service the order any other event names), unless `{ subjectExists: false }`.
   */
  publish(envelope: EventEnvelope, options?: { subjectExists?: boolean }): Promise<void>;
  /** The fakes answering notification-service's lookups. */
  owners: { orders: FakeOrderService; customers: FakeCustomerService; payments: FakePaymentService };
  stop(): Promise<void>;
}

/**
 * The real notification-service as main.ts wires it: real HTTP on a random port, a real SQLite file, the
 * embedded event bus in a temp dir with short retry delays, the file sender writing into the temp dir, its
 * lookups over HTTP to fake customer-service, order-service and payment-service (`lookup` replaces the customer one).
 */
export async function startNotifications(
  options: {
    lookup?: CustomerLookup;
    sender?: NotificationSender;
    env?: Record<string, string>;
    /** The upstream clients as the service configures them (its own breaker settings), not the tests'. */
    ownUpstreamSettings?: boolean;
  } = {},
): Promise<RunningNotifications> {
  const knownCustomers: Record<string, { name: string; email: string }> = {};
  const customers = await startFakeCustomerService(knownCustomers);
  const orders = await startFakeOrderService();
  const payments = await startFakePaymentService();
  const service = await startServiceForTest(notificationService, {
    env: {
      CUSTOMER_SERVICE_URL: customers.url,
      ORDER_SERVICE_URL: orders.url,
      CUSTOMER_LOOKUP_TIMEOUT_MS: '2000',
      ORDER_LOOKUP_TIMEOUT_MS: '2000',
      PAYMENT_SERVICE_URL: payments.url,
      PAYMENT_LOOKUP_TIMEOUT_MS: '2000',
      ...options.env,
    },
    seams: {
      ...(options.lookup && { lookup: options.lookup }),
      ...(options.sender && { sender: options.sender }),
    },
    // The breaker stays closed: tests make owners fail on purpose and must see every lookup reach them.
    upstream: options.ownUpstreamSettings
      ? { retries: 0 }
      : { retries: 0, breaker: { volumeThreshold: 1_000 } },
  });
  const mailFile = join(service.dataDir, 'outbox-mail', `${SERVICE_NAME}.log`);
  const publisher: EventTransport = await createEventTransport({
    embeddedFile: join(service.dataDir, 'events.db'),
    logger: captureLogger('publisher').logger,
    registry: createMetricsRegistry('publisher', { collectDefault: false }),
    pollMs: 20,
  });

  function recordSubject(envelope: EventEnvelope): void {
    const data = envelope.data as {
      orderId?: unknown;
      customerId?: unknown;
      paymentId?: unknown;
      name?: unknown;
      email?: unknown;
    };
    if (typeof data.customerId !== 'string') return;
    if (
      envelope.type === 'PaymentCaptured' &&
      typeof data.orderId === 'string' &&
      typeof data.paymentId === 'string'
    ) {
      // A capture is about the payment (its order may legitimately be missing): payment-service holds it.
      payments.payments.set(data.orderId, {
        id: data.paymentId,
        orderId: data.orderId,
        customerId: data.customerId,
        status: 'CAPTURED',
      });
    } else if (
      envelope.type === 'CustomerRegistered' &&
      typeof data.name === 'string' &&
      typeof data.email === 'string'
    ) {
      knownCustomers[data.customerId] = { name: data.name, email: data.email };
    } else if (typeof data.orderId === 'string' && !orders.orders.has(data.orderId)) {
      orders.orders.set(data.orderId, { id: data.orderId, customerId: data.customerId, status: 'CONFIRMED' });
    }
  }

  return {
    url: service.url,
    db: service.db,
    notifier: service.exposed,
    bus: service.bus,
    logLines: service.logLines,
    mailFile,
    mailLines: () =>
      existsSync(mailFile)
        ? readFileSync(mailFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    publish: (envelope, publishOptions = {}) => {
      if (publishOptions.subjectExists !== false) recordSubject(envelope);
      return publisher.publish(envelope);
    },
    owners: { orders, customers, payments },
    async stop() {
      await publisher.close();
      await service.stop();
      await Promise.all([orders.close(), customers.close(), payments.close()]);
    },
  };
}

export function event<T extends EventType>(
  type: T,
  data: EventData<T>,
  source = 'order-service',
): TypedEnvelope<T> {
  return createEnvelope(type, data, { source, correlationId: `corr-${randomUUID()}` });
}

export function orderConfirmed(
  customerId: string,
  orderId: string = randomUUID(),
): TypedEnvelope<'OrderConfirmed'> {
  return event('OrderConfirmed', {
    orderId,
    customerId,
    totalCents: 2_598,
    currency: 'USD',
    items: [{ productId: 3, name: 'Mug', quantity: 2, unitPriceCents: 1_299 }],
  });
}

export function customerRegistered(
  customerId: string = randomUUID(),
  email = `ann-${customerId.slice(0, 8)}@example.com`,
): TypedEnvelope<'CustomerRegistered'> {
  return event('CustomerRegistered', { customerId, email, name: 'Ann Example' }, 'customer-service');
}

/** Applies an event through the use case with a plain transaction (arranging API tests). */
export async function notifyDirectly(
  running: RunningNotifications,
  envelope: TypedEnvelope<'OrderConfirmed'>,
) {
  const { orderId, customerId } = envelope.data;
  running.owners.orders.orders.set(orderId, { id: orderId, customerId, status: 'CONFIRMED' });
  const result = await running.notifier.notify(envelope, (effect) => {
    running.db.transaction(effect)();
    return Promise.resolve(true);
  });
  if (result.outcome !== 'notified') throw new Error(`not notified: ${result.outcome}`);
  return result.notification;
}

/** True once notification-service's notifier has handled (or deduplicated) the event: its id is in its inbox. */
export function handled(db: Db, eventId: string): boolean {
  return (
    db
      .prepare("SELECT 1 FROM event_inbox WHERE consumer = 'notification-service' AND event_id = ?")
      .get(eventId) !== undefined
  );
}

export const adminToken = tokenFor({ id: randomUUID(), role: 'admin' });

export function customerToken(customerId: string): string {
  return tokenFor({ id: customerId, role: 'customer' });
}

export const WAIT = { timeout: 10_000, interval: 25 };
