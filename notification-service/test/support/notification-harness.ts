import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEnvelope,
  createEventTransport,
  createMetricsRegistry,
  createUpstreamClient,
  startServer,
  startServiceBus,
  type Db,
  type EventData,
  type EventEnvelope,
  type EventTransport,
  type EventType,
  type ServiceBus,
  type TypedEnvelope,
} from '@shop/platform';
import {
  captureLogger,
  startFakeOrderService,
  tempDir,
  testTokens,
  tokenFor,
  type FakeOrderService,
} from '@shop/platform/testing';
import { createApp, SERVICE_NAME } from '../../src/app.js';
import { openNotificationDatabase } from '../../src/data/database.js';
import { createNotificationDependencies } from '../../src/dependencies.js';
import type { Notifier } from '../../src/domain/notifier.js';
import type { CustomerLookup, NotificationSender } from '../../src/domain/ports.js';
import { notificationEventHandlers } from '../../src/events/handlers.js';
import { notificationMetrics } from '../../src/notification-metrics.js';
import { fileSender } from '../../src/senders/file-sender.js';
import { customerLookup } from '../../src/upstream/customer-lookup.js';
import { orderLookup } from '../../src/upstream/order-lookup.js';
import { startFakeCustomerService, type FakeCustomerService } from './fake-customer-service.js';

export interface RunningNotifications {
  url: string;
  db: Db;
  notifier: Notifier;
  bus: ServiceBus;
  logLines: () => Record<string, unknown>[];
  /** The JSON lines the default file sender wrote. */
  mailLines: () => Record<string, unknown>[];
  /**
   * Publishes events as the other services would: like them, the owner knows the aggregate first (the fake
   * customer-service knows a registered customer, the fake order-service the order an event names), unless
   * `{ subjectExists: false }`.
   */
  publish(envelope: EventEnvelope, options?: { subjectExists?: boolean }): Promise<void>;
  /** The fakes answering notification-service's lookups. */
  owners: { orders: FakeOrderService; customers: FakeCustomerService };
  stop(): Promise<void>;
}

/**
 * The real notification-service as main.ts wires it: real HTTP on a random port, a real SQLite file, the
 * embedded event bus in a temp dir with short retry delays, the file sender writing into the temp dir, its
 * lookups over HTTP to fake customer-service and order-service (`lookup` replaces the customer one).
 */
export async function startNotifications(
  options: { lookup?: CustomerLookup; sender?: NotificationSender } = {},
): Promise<RunningNotifications> {
  const dir = tempDir('notification-test-');
  const eventsFile = join(dir.path, 'events.db');
  const mailFile = join(dir.path, 'outbox-mail', `${SERVICE_NAME}.log`);
  const { logger, lines } = captureLogger(SERVICE_NAME);
  const registry = createMetricsRegistry(SERVICE_NAME, { collectDefault: false });
  const db = openNotificationDatabase(join(dir.path, `${SERVICE_NAME}.db`));
  const knownCustomers: Record<string, { name: string; email: string }> = {};
  const customers = await startFakeCustomerService(knownCustomers);
  const orders = await startFakeOrderService();
  // The breaker stays closed: tests make owners fail on purpose and must see every lookup reach them.
  const client = (name: string, baseUrl: string) =>
    createUpstreamClient({
      name,
      baseUrl,
      logger,
      registry,
      timeoutMs: 2_000,
      retries: 0,
      breaker: { volumeThreshold: 1_000 },
    });
  const customerClient = client('customer-service', customers.url);
  const orderClient = client('order-service', orders.url);
  const notifier = createNotificationDependencies({
    db,
    sender: options.sender ?? fileSender({ file: mailFile, logger }),
    lookup: options.lookup ?? customerLookup(customerClient, testTokens(), SERVICE_NAME),
    orders: orderLookup(orderClient, testTokens(), SERVICE_NAME),
  });
  const bus = await startServiceBus({
    service: SERVICE_NAME,
    db,
    embeddedFile: eventsFile,
    logger,
    registry,
    retryDelaysMs: [50, 100],
    pollMs: 20,
    handlers: notificationEventHandlers(notifier, logger, notificationMetrics(registry)),
  });
  const publisher: EventTransport = await createEventTransport({
    embeddedFile: eventsFile,
    logger: captureLogger('publisher').logger,
    registry: createMetricsRegistry('publisher', { collectDefault: false }),
    pollMs: 20,
  });
  const service = createApp({
    db,
    logger,
    registry,
    tokens: testTokens(),
    notifier,
    brokerReadiness: bus.readiness,
  });
  const server = await startServer({
    service,
    port: 0,
    host: '127.0.0.1',
    logger,
    onShutdown: async () => {
      await Promise.all([customerClient.close(), orderClient.close()]);
      await bus.stop();
      db.close();
    },
  });

  function recordSubject(envelope: EventEnvelope): void {
    const data = envelope.data as {
      orderId?: unknown;
      customerId?: unknown;
      name?: unknown;
      email?: unknown;
    };
    if (typeof data.customerId !== 'string') return;
    if (
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
    url: server.url,
    db,
    notifier,
    bus,
    logLines: lines,
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
    owners: { orders, customers },
    async stop() {
      await server.stop();
      await publisher.close();
      await Promise.all([orders.close(), customers.close()]);
      dir.cleanup();
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

/** True once notification-service has handled (or deduplicated) the event: its id is in the inbox. */
export function handled(db: Db, eventId: string): boolean {
  return db.prepare('SELECT 1 FROM event_inbox WHERE event_id = ?').get(eventId) !== undefined;
}

export const adminToken = tokenFor({ id: randomUUID(), role: 'admin' });

export function customerToken(customerId: string): string {
  return tokenFor({ id: customerId, role: 'customer' });
}

export const WAIT = { timeout: 10_000, interval: 25 };
