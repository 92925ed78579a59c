import { randomUUID } from 'node:crypto';
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
  type Subscription,
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
import { openShippingDatabase } from '../../src/data/database.js';
import { createShippingDependencies } from '../../src/dependencies.js';
import type { Shipping } from '../../src/domain/shipping.js';
import { shippingEventHandlers } from '../../src/events/handlers.js';
import { shipmentMetrics } from '../../src/shipment-metrics.js';
import { orderDirectory } from '../../src/upstream/order-directory.js';

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

/**
 * Stands in for order-service: on the bus it publishes its events and collects shipping's; over HTTP it
 * answers GET /internal/orders/:id. Like the real one, it knows an order before it publishes an event about
 * it: `publish` records the state the event implies (OrderConfirmed: CONFIRMED, OrderCancelled: CANCELLED)
 * unless `{ orderExists: false }`.
 */
export interface OrderServiceDouble {
  publish(envelope: EventEnvelope, options?: { orderExists?: boolean }): Promise<void>;
  received: StoredEvent[];
  http: FakeOrderService;
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

  const orderHttp = await startFakeOrderService();
  const orderClient = createUpstreamClient({
    name: 'order-service',
    baseUrl: orderHttp.url,
    logger,
    registry,
    timeoutMs: 2_000,
    retries: 0,
    // The breaker stays closed: tests make order-service fail on purpose and must see every lookup reach it.
    breaker: { volumeThreshold: 1_000 },
  });

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
  await bus.consume(
    shippingEventHandlers(shipping, logger, metrics, orderDirectory(orderClient, testTokens(), SERVICE_NAME)),
  );
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
      await orderClient.close();
      await bus.stop();
      db.close();
    },
  });

  function recordOrder(envelope: EventEnvelope): void {
    const data = envelope.data as { orderId?: unknown; customerId?: unknown };
    if (typeof data.orderId !== 'string' || typeof data.customerId !== 'string') return;
    const known = orderHttp.orders.get(data.orderId);
    // Orders only move forward: a confirmation published after a cancellation is a test replaying order.
    if (envelope.type === 'OrderConfirmed' && known?.status !== 'CANCELLED') {
      orderHttp.orders.set(data.orderId, {
        id: data.orderId,
        customerId: data.customerId,
        status: 'CONFIRMED',
      });
    } else if (envelope.type === 'OrderCancelled') {
      orderHttp.orders.set(data.orderId, {
        id: data.orderId,
        customerId: data.customerId,
        status: 'CANCELLED',
      });
    }
  }

  return {
    url: server.url,
    db,
    shipping,
    bus,
    logLines: lines,
    orders: {
      publish: (envelope, options = {}) => {
        if (options.orderExists !== false) recordOrder(envelope);
        return orderTransport.publish(envelope);
      },
      received,
      http: orderHttp,
    },
    async stop() {
      await server.stop();
      await subscription.stop();
      await orderTransport.close();
      await orderHttp.close();
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
