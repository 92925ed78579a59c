import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { currentCorrelationId } from '../../src/context/request-context.js';
import { openDatabase, type Db } from '../../src/db/sqlite.js';
import type { EventData } from '../../src/events/catalog.js';
import { EmbeddedTransport } from '../../src/events/embedded-transport.js';
import {
  BROKER_DISCONNECTED_DETAIL,
  eventBusSettings,
  startServiceBus,
  type ServiceBus,
  type ServiceBusOptions,
} from '../../src/events/service-bus.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { captureLogger, tempDir } from '../../src/testing/index.js';

const WAIT = { timeout: 5_000, interval: 20 };

function confirmedOrder(): EventData<'OrderConfirmed'> {
  return {
    orderId: randomUUID(),
    customerId: randomUUID(),
    totalCents: 1_000,
    currency: 'USD',
    items: [{ productId: 1, name: 'Mug', quantity: 1, unitPriceCents: 1_000 }],
  };
}

describe('startServiceBus', () => {
  let dir: { path: string; cleanup(): void };
  let eventsFile: string;
  const buses: ServiceBus[] = [];
  const dbs: Db[] = [];

  beforeEach(() => {
    dir = tempDir('service-bus-');
    eventsFile = join(dir.path, 'events.db');
  });

  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.stop();
    for (const db of dbs.splice(0)) db.close();
    dir.cleanup();
  });

  function database(name: string): Db {
    const db = openDatabase(join(dir.path, `${name}.db`));
    db.exec('CREATE TABLE IF NOT EXISTS effects (order_id TEXT PRIMARY KEY, correlation_id TEXT)');
    dbs.push(db);
    return db;
  }

  async function bus(
    service: string,
    db: Db,
    options: Partial<ServiceBusOptions> = {},
  ): Promise<ServiceBus & { lines: () => Record<string, unknown>[] }> {
    const { logger, lines } = captureLogger(service);
    const started = await startServiceBus({
      service,
      db,
      embeddedFile: eventsFile,
      logger,
      registry: createMetricsRegistry(service, { collectDefault: false }),
      pollMs: 20,
      retryDelaysMs: [50],
      ...options,
    });
    buses.push(started);
    return Object.assign(started, { lines });
  }

  function effects(db: Db): { order_id: string; correlation_id: string }[] {
    return db.prepare('SELECT order_id, correlation_id FROM effects').all() as {
      order_id: string;
      correlation_id: string;
    }[];
  }

  test('When a producer adds an event in its transaction, then the consumer applies it once with the correlation ID', async () => {
    const shippingDb = database('shipping');
    const seen: (string | undefined)[] = [];
    await bus('shipping-service', shippingDb, {
      handlers: {
        OrderConfirmed: async (event, { inTransaction }) => {
          seen.push(currentCorrelationId());
          await inTransaction(() => {
            shippingDb
              .prepare('INSERT INTO effects (order_id, correlation_id) VALUES (?, ?)')
              .run(event.data.orderId, event.correlationId);
          });
        },
      },
    });
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb);
    const data = confirmedOrder();

    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', data, { correlationId: 'corr-bus-1' }))();

    await vi.waitFor(
      () => expect(effects(shippingDb)).toEqual([{ order_id: data.orderId, correlation_id: 'corr-bus-1' }]),
      WAIT,
    );
    expect(seen).toEqual(['corr-bus-1']);
    // Marked sent once the publish is on disk, which may be after the consumer already saw it.
    await vi.waitFor(() => {
      const outbox = orderDb.prepare('SELECT type, sent_at FROM event_outbox').all() as {
        type: string;
        sent_at: string | null;
      }[];
      expect(outbox).toEqual([{ type: 'OrderConfirmed', sent_at: expect.any(String) as unknown }]);
    }, WAIT);
  });

  test('When a consumer that also produces starts consuming later, then its handler can write to the bus outbox', async () => {
    const shippingDb = database('shipping');
    const shipping = await bus('shipping-service', shippingDb);
    await shipping.consume({
      OrderConfirmed: async (event, { inTransaction }) => {
        await inTransaction(() => {
          shippingDb.prepare('INSERT INTO effects (order_id) VALUES (?)').run(event.data.orderId);
          shipping.outbox.add('ShipmentScheduled', {
            shipmentId: randomUUID(),
            orderId: event.data.orderId,
            customerId: event.data.customerId,
            carrier: 'UPS',
            trackingNumber: '1Z0001',
            estimatedDelivery: '2030-01-04',
          });
        });
      },
    });
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb);

    orderDb.transaction(() =>
      orders.outbox.add('OrderConfirmed', confirmedOrder(), { correlationId: 'corr-2' }),
    )();

    await vi.waitFor(() => expect(effects(shippingDb)).toHaveLength(1), WAIT);
    const produced = shippingDb.prepare('SELECT envelope FROM event_outbox').pluck().all() as string[];
    expect(
      produced.map((envelope) => JSON.parse(envelope) as { type: string; correlationId: string }),
    ).toEqual([expect.objectContaining({ type: 'ShipmentScheduled', correlationId: 'corr-2' })]);
    await expect(shipping.consume({ OrderCancelled: () => undefined })).rejects.toThrow('already consuming');
  });

  test('When the producing transaction rolls back, then no event is written', async () => {
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb);

    expect(() =>
      orderDb.transaction(() => {
        orders.outbox.add('OrderConfirmed', confirmedOrder());
        throw new Error('state change failed');
      })(),
    ).toThrow('state change failed');

    expect(orderDb.prepare('SELECT COUNT(*) AS n FROM event_outbox').get()).toEqual({ n: 0 });
  });

  test('When the bus stops, then events still in the outbox are published before the transport closes', async () => {
    const probe = new EmbeddedTransport({
      file: eventsFile,
      logger: captureLogger('probe').logger,
      registry: createMetricsRegistry('probe', { collectDefault: false }),
    });
    // Declares the queue (bindings live in the file) and stops at once, so the message waits there.
    await (await probe.subscribe('probe-queue', ['OrderConfirmed'], () => Promise.resolve())).stop();
    const orderDb = database('order');
    // The relay polls only once a minute: only stop() can publish the event in time.
    const orders = await bus('order-service', orderDb, { pollMs: 60_000 });
    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', confirmedOrder()))();

    await orders.stop();

    expect(orderDb.prepare('SELECT COUNT(*) AS n FROM event_outbox WHERE sent_at IS NULL').get()).toEqual({
      n: 0,
    });
    expect(await probe.pendingCount('probe-queue')).toBe(1);
    await probe.close();
  });

  test('When the bus stops during a handler, then it waits for the handler and its inbox row commits', async () => {
    const shippingDb = database('shipping');
    let started = (): void => undefined;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const shipping = await bus('shipping-service', shippingDb, {
      handlers: {
        OrderConfirmed: async (event, { inTransaction }) => {
          started();
          await released;
          await inTransaction(() => {
            shippingDb.prepare('INSERT INTO effects (order_id) VALUES (?)').run(event.data.orderId);
          });
        },
      },
    });
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb);
    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', confirmedOrder()))();
    await handlerStarted;
    let stopped = false;

    const stopping = shipping.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedBeforeRelease = stopped;
    release();
    await stopping;

    expect(stoppedBeforeRelease).toBe(false);
    expect(effects(shippingDb)).toHaveLength(1);
    expect(shippingDb.prepare('SELECT COUNT(*) AS n FROM event_inbox').get()).toEqual({ n: 1 });
  });

  test('When the embedded queue file is open, then readiness is ok and names the transport', async () => {
    const orders = await bus('order-service', database('order'));

    expect(await orders.readiness()).toEqual({ ok: true, detail: 'embedded connected' });
    expect(orders.transport.kind).toBe('embedded');
  });

  test('When RabbitMQ is unreachable, then the service stays ready, events stay in the outbox and stop() still ends', async () => {
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb, {
      amqpUrl: 'amqp://guest:guest@127.0.0.1:1',
      reconnect: { initialMs: 50, maxMs: 100 },
      stopTimeoutMs: 500,
    });
    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', confirmedOrder()))();

    expect(orders.transport.kind).toBe('rabbitmq');
    expect(await orders.readiness()).toEqual({ ok: true, detail: BROKER_DISCONNECTED_DETAIL });
    await orders.stop();
    expect(orderDb.prepare('SELECT COUNT(*) AS n FROM event_outbox WHERE sent_at IS NULL').get()).toEqual({
      n: 1,
    });
    expect(
      orders.lines().some((line) => line.message === 'events left in the outbox for the next start'),
    ).toBe(true);
  });

  test('When handlers are given but none is for a known event, then starting fails', async () => {
    const { logger } = captureLogger('shipping-service');

    await expect(
      startServiceBus({
        service: 'shipping-service',
        db: database('shipping'),
        embeddedFile: eventsFile,
        logger,
        registry: createMetricsRegistry('shipping-service', { collectDefault: false }),
        handlers: {},
      }),
    ).rejects.toThrow('has no event handlers');
  });
});

describe('eventBusSettings', () => {
  test('When AMQP_URL and EVENT_BUS_FILE are absent, then the embedded file is <DATA_DIR>/events.db', () => {
    expect(eventBusSettings({ DATA_DIR: 'data' })).toEqual({
      amqpUrl: undefined,
      embeddedFile: join('data', 'events.db'),
    });
  });

  test('When both are set, then they are used as given', () => {
    expect(
      eventBusSettings({ DATA_DIR: 'data', AMQP_URL: 'amqp://broker', EVENT_BUS_FILE: '/srv/bus.db' }),
    ).toEqual({ amqpUrl: 'amqp://broker', embeddedFile: '/srv/bus.db' });
  });
});
