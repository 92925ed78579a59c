import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createEnvelope,
  createEventTransport,
  createMetricsRegistry,
  startServer,
  startServiceBus,
  type Db,
  type EventData,
  type EventEnvelope,
  type EventTransport,
  type EventType,
  type ServiceBus,
  type Subscription,
  type TypedEnvelope,
} from '@shop/platform';
import { captureLogger, tempDir, testTokens, tokenFor } from '@shop/platform/testing';
import { createApp, SERVICE_NAME } from '../../src/app.js';
import { openShippingDatabase } from '../../src/data/database.js';
import { createShippingDependencies } from '../../src/dependencies.js';
import type { Shipping } from '../../src/domain/shipping.js';
import { shippingEventHandlers } from '../../src/events/handlers.js';
import { shipmentMetrics } from '../../src/shipment-metrics.js';

export interface BusSettings {
  /** RabbitMQ when set; otherwise the embedded queue file in the test's temp dir. */
  amqpUrl?: string;
  exchange?: string;
  /** The consumer's queue (default: the service name, fine for a private embedded file). */
  queue?: string;
}

export interface RunningShipping {
  url: string;
  db: Db;
  shipping: Shipping;
  bus: ServiceBus;
  logLines: () => Record<string, unknown>[];
  /** Publishes events as order-service would, and records what shipping publishes. */
  orders: OrderServiceDouble;
  stop(): Promise<void>;
}

/** Stands in for order-service on the bus: publishes its events, collects shipping's. */
export interface OrderServiceDouble {
  publish(envelope: EventEnvelope): Promise<void>;
  received: StoredEvent[];
}

/**
 * The real shipping-service as main.ts wires it: real HTTP on a random port, a real SQLite file, the real
 * event bus (embedded queue file in a temp dir, or RabbitMQ) with short retry delays.
 */
export async function startShipping(settings: BusSettings = {}): Promise<RunningShipping> {
  const dir = tempDir('shipping-test-');
  const eventsFile = join(dir.path, 'events.db');
  const { logger, lines } = captureLogger(SERVICE_NAME);
  const registry = createMetricsRegistry(SERVICE_NAME, { collectDefault: false });
  const db = openShippingDatabase(join(dir.path, `${SERVICE_NAME}.db`));
  const busOptions = {
    embeddedFile: eventsFile,
    amqpUrl: settings.amqpUrl,
    exchange: settings.exchange,
    retryDelaysMs: [50, 100],
    pollMs: 20,
    reconnect: { initialMs: 50, maxMs: 500 },
  };

  // The order-service double declares its queue first so that nothing shipping publishes is missed.
  const orderQueue = settings.queue ? `${settings.queue}.order-double` : 'order-service-double';
  const orderLogger = captureLogger('order-service-double').logger;
  const orderTransport: EventTransport = await createEventTransport({
    ...busOptions,
    logger: orderLogger,
    registry: createMetricsRegistry('order-service-double', { collectDefault: false }),
    connectionName: orderQueue,
  });
  const received: StoredEvent[] = [];
  const subscription: Subscription = await orderTransport.subscribe(
    orderQueue,
    ['ShipmentScheduled', 'ShipmentStatusChanged'],
    (event) => {
      received.push(event);
      return Promise.resolve();
    },
  );

  const bus = await startServiceBus({
    service: SERVICE_NAME,
    db,
    logger,
    registry,
    ...busOptions,
    ...(settings.queue !== undefined && { queue: settings.queue }),
  });
  const shipping = createShippingDependencies({ db, outbox: bus.outbox });
  const metrics = shipmentMetrics(registry);
  await bus.consume(shippingEventHandlers(shipping, logger, metrics));
  const service = createApp({
    db,
    logger,
    registry,
    tokens: testTokens(),
    shipping,
    metrics,
    brokerReadiness: bus.readiness,
  });
  const server = await startServer({
    service,
    port: 0,
    host: '127.0.0.1',
    logger,
    onShutdown: async () => {
      await bus.stop();
      db.close();
    },
  });

  return {
    url: server.url,
    db,
    shipping,
    bus,
    logLines: lines,
    orders: { publish: (envelope) => orderTransport.publish(envelope), received },
    async stop() {
      await server.stop();
      await subscription.stop();
      await orderTransport.close();
      dir.cleanup();
    },
  };
}

export function orderEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  correlationId = `corr-${randomUUID()}`,
): TypedEnvelope<T> {
  return createEnvelope(type, data, { source: 'order-service', correlationId });
}

export function confirmed(
  orderId: string = randomUUID(),
  customerId: string = randomUUID(),
): TypedEnvelope<'OrderConfirmed'> {
  return orderEvent('OrderConfirmed', {
    orderId,
    customerId,
    totalCents: 2_598,
    currency: 'USD',
    items: [{ productId: 3, name: 'Mug', quantity: 2, unitPriceCents: 1_299 }],
  });
}

export function cancelled(
  orderId: string,
  customerId: string,
  previousStatus = 'CONFIRMED',
): TypedEnvelope<'OrderCancelled'> {
  return orderEvent('OrderCancelled', { orderId, customerId, reason: 'customer_request', previousStatus });
}

/** True once shipping has handled (or deduplicated) the event: its id is in the inbox. */
export function handled(db: Db, eventId: string): boolean {
  return db.prepare('SELECT 1 FROM event_inbox WHERE event_id = ?').get(eventId) !== undefined;
}

export const adminToken = tokenFor({ id: randomUUID(), role: 'admin' });

export function customerToken(customerId: string): string {
  return tokenFor({ id: customerId, role: 'customer' });
}

export const WAIT = { timeout: 10_000, interval: 25 };

export interface StoredEvent {
  type: string;
  correlationId: string;
  source: string;
  data: Record<string, unknown>;
}

/** What shipping wrote to its outbox for one order, in order. */
export function outboxEvents(db: Db, orderId: string): StoredEvent[] {
  return (db.prepare('SELECT envelope FROM event_outbox ORDER BY seq').pluck().all() as string[])
    .map((envelope) => JSON.parse(envelope) as StoredEvent)
    .filter((event) => event.data.orderId === orderId);
}
