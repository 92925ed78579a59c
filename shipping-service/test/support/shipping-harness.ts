import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createEnvelope,
  createEventTransport,
  createMetricsRegistry,
  type Db,
  type EventEnvelope,
  type EventTransport,
  type ServiceBus,
  type Subscription,
  type TypedEnvelope,
} from '@shop/platform/runtime';
import { type EventData, type EventType } from '@shop/platform/contracts';
import {
  captureLogger,
  startFakeOrderService,
  startServiceForTest,
  tempDir,
  tokenFor,
  type FakeOrderService,
} from '@shop/platform/tools/testing';
import type { Shipping } from '../../src/domain/shipping.js';
import { shippingService } from '../../src/service.js';

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
  const busOptions = {
    embeddedFile: join(dir.path, 'events.db'),
    amqpUrl: settings.amqpUrl,
    exchange: settings.exchange,
    retryDelaysMs: [50, 100],
    pollMs: 20,
    reconnect: { initialMs: 50, maxMs: 500 },
  };

  // The order-service double declares its queue first so that nothing shipping publishes is missed.
  const orderQueue = settings.queue ? `${settings.queue}.order-double` : 'order-service-double';
  const orderTransport: EventTransport = await createEventTransport({
    ...busOptions,
    logger: captureLogger('order-service-double').logger,
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

  const service = await startServiceForTest(shippingService, {
    dataDir: dir.path,
    env: { ORDER_SERVICE_URL: orderHttp.url, ORDER_LOOKUP_TIMEOUT_MS: '2000' },
    bus: { ...busOptions, ...(settings.queue !== undefined && { queue: settings.queue }) },
    // The breaker stays closed: tests make order-service fail on purpose and must see every lookup reach it.
    upstream: { retries: 0, breaker: { volumeThreshold: 1_000 } },
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
    url: service.url,
    db: service.db,
    shipping: service.exposed,
    bus: service.bus,
    logLines: service.logLines,
    orders: {
      publish: (envelope, options = {}) => {
        if (options.orderExists !== false) recordOrder(envelope);
        return orderTransport.publish(envelope);
      },
      received,
      http: orderHttp,
    },
    async stop() {
      await service.stop();
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
