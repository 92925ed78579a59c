import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/db/sqlite.js';
import type { EventData } from '../../src/events/catalog.js';
import { openCliTransport, runEventsCli } from '../../src/cli/events.js';
import { createEnvelope } from '../../src/events/envelope.js';
import { createOutbox } from '../../src/events/outbox.js';
import { deadLetterQueueName, retryQueueName } from '../../src/events/rabbit-transport.js';
import { startServiceBus, type ServiceBus, type ServiceBusOptions } from '../../src/events/service-bus.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import {
  captureLogger,
  reachable,
  startBlockingAmqpProxy,
  tempDir,
  type BlockingAmqpProxy,
} from '../../src/testing/index.js';

const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(amqpUrl);
const brokerUp = await reachable(`amqp://${broker.hostname}:${broker.port || '5672'}`);
if (!brokerUp && process.env.REQUIRE_SERVICES === '1') throw new Error('RabbitMQ is not reachable');

const WAIT = { timeout: 10_000, interval: 50 };
const RETRY_DELAYS_MS = [100];

function confirmedOrder(): EventData<'OrderConfirmed'> {
  return {
    orderId: randomUUID(),
    customerId: randomUUID(),
    totalCents: 1_000,
    currency: 'USD',
    items: [{ productId: 1, name: 'Mug', quantity: 1, unitPriceCents: 1_000 }],
  };
}

/**
 * Unblocks the proxy after `ms` and resolves 'unblocked' (what ends a start-up that waits for the broker, so
 * the test fails on its assertion instead of its timeout); `cancel()` when the race is over.
 */
function unblockLater(proxy: BlockingAmqpProxy, ms: number): { done: Promise<string>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      proxy.unblock();
      resolve('unblocked');
    }, ms);
  });
  return { done, cancel: () => clearTimeout(timer) };
}

function unsent(db: Db): number {
  return db.prepare('SELECT COUNT(*) FROM event_outbox WHERE sent_at IS NULL').pluck().get() as number;
}

/** Resolves 'ended' when `stopping` resolves before `graceMs` after `by`, 'still running' otherwise. */
async function endsBy(stopping: Promise<void>, by: number, graceMs = 2_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still running'), by - Date.now() + graceMs);
  });
  const outcome = await Promise.race([stopping.then(() => 'ended'), late]);
  clearTimeout(timer);
  return outcome;
}

describe.skipIf(!brokerUp)('event bus under a broker that blocks publishing (resource alarm)', () => {
  const runId = `blocked-broker-${process.pid}-${Date.now().toString(36)}`;
  const exchange = `${runId}.events`;
  const queues: string[] = [];
  const buses: ServiceBus[] = [];
  const dbs: Db[] = [];
  let proxy: BlockingAmqpProxy;
  let dir: { path: string; cleanup(): void };

  beforeAll(async () => {
    proxy = await startBlockingAmqpProxy(amqpUrl);
    dir = tempDir('blocked-broker-');
  });

  afterEach(async () => {
    proxy.unblock();
    for (const bus of buses.splice(0)) await bus.stop(Date.now() + 2_000);
    for (const db of dbs.splice(0)) if (db.open) db.close();
  });

  afterAll(async () => {
    await proxy?.close();
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createChannel();
    for (const queue of queues) {
      for (const name of [
        queue,
        deadLetterQueueName(queue),
        ...RETRY_DELAYS_MS.map((d) => retryQueueName(queue, d)),
      ])
        await channel.deleteQueue(name);
    }
    await channel.deleteExchange(exchange);
    await connection.close();
    dir?.cleanup();
  });

  function database(name: string): Db {
    const db = openDatabase(join(dir.path, `${name}-${randomUUID()}.db`));
    db.exec('CREATE TABLE IF NOT EXISTS effects (order_id TEXT PRIMARY KEY)');
    dbs.push(db);
    return db;
  }

  async function bus(
    service: string,
    db: Db,
    url: string,
    options: Partial<ServiceBusOptions> = {},
  ): Promise<ServiceBus & { lines: () => Record<string, unknown>[] }> {
    const { logger, lines } = captureLogger(service);
    const started = await startServiceBus({
      service,
      db,
      amqpUrl: url,
      embeddedFile: join(dir.path, 'unused-events.db'),
      exchange,
      logger,
      registry: createMetricsRegistry(service, { collectDefault: false }),
      pollMs: 20,
      retryDelaysMs: RETRY_DELAYS_MS,
      ...options,
    });
    buses.push(started);
    return Object.assign(started, { lines });
  }

  function queueName(label: string): string {
    const name = `${runId}.${label}`;
    queues.push(name);
    return name;
  }

  test('When the broker blocks a publish, then stop() ends by its deadline, the event stays in the outbox and the next start publishes it', async () => {
    const queue = queueName('shipping');
    const received: string[] = [];
    await bus('shipping-service', database('shipping'), amqpUrl, {
      queue,
      handlers: {
        OrderConfirmed: (event) => {
          received.push(event.data.orderId);
        },
      },
    });
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb, proxy.url);
    const data = confirmedOrder();
    proxy.block();

    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', data))();
    await vi.waitFor(() => expect(proxy.heldPublishes).toBe(1), WAIT);
    const by = Date.now() + 1_500;
    const outcome = await endsBy(orders.stop(by), by);

    expect(outcome).toBe('ended');
    expect(unsent(orderDb)).toBe(1);
    expect(received).toEqual([]);
    const messages = orders.lines().map((line) => line.message);
    expect(messages).toContain('event broker blocked publishing, events wait in the outbox');
    expect(messages).toContain('events left in the outbox for the next start');

    proxy.unblock();
    await bus('order-service', orderDb, amqpUrl);
    await vi.waitFor(() => expect(received).toEqual([data.orderId]), WAIT);
    expect(unsent(orderDb)).toBe(0);
  });

  test('When a service starts consuming after its outbox publish was blocked, then consume() returns while the broker still blocks and consuming begins once it unblocks', async () => {
    // A service restarted during a resource alarm with events in its outbox: the relay's publish makes the
    // broker stop reading the connection, so declaring the queue waits for the alarm to end. Start-up (and
    // with it the service's HTTP) must not wait for it: with the broker down it does not either.
    const queue = queueName('payments');
    const db = database('payment');
    // Its first run declared the queue; it is restarted with an event left in its outbox.
    const firstRun = await bus('payment-service', db, amqpUrl, {
      queue,
      handlers: { OrderConfirmed: () => {} },
    });
    await firstRun.stop(Date.now() + 2_000);
    const data = confirmedOrder();
    db.transaction(() => createOutbox(db, { source: 'order-service' }).add('OrderConfirmed', data))();
    proxy.block();
    const payments = await bus('payment-service', db, proxy.url, { queue, subscribeWaitMs: 200 });
    await vi.waitFor(() => expect(proxy.heldPublishes).toBe(1), WAIT);
    const received: string[] = [];

    const consuming = payments.consume({
      OrderConfirmed: (event) => {
        received.push(event.data.orderId);
      },
    });
    const fallback = unblockLater(proxy, 5_000);
    const first = await Promise.race([consuming.then(() => 'returned'), fallback.done]);
    fallback.cancel();

    expect(first).toBe('returned');
    expect(proxy.heldPublishes).toBe(1);
    expect(payments.lines().map((line) => line.message)).toContain(
      'the event broker does not answer yet (blocked by a resource alarm?): consuming starts when it does',
    );
    proxy.unblock();
    // Its own held OrderConfirmed is published, routed to the queue it now consumes, and handled.
    await vi.waitFor(() => expect(received).toEqual([data.orderId]), WAIT);
    expect(unsent(db)).toBe(0);
  });

  test('When a dead-letter replay meets a broker that blocks publishing, then the command ends with exit code 1 while the alarm lasts, says why, and every dead letter is still there', async () => {
    const queue = queueName('replay');
    const shipping = await bus('shipping-service', database('shipping'), amqpUrl, {
      queue,
      handlers: {
        OrderConfirmed: () => {
          throw new Error('carrier API down');
        },
      },
    });
    const direct = shipping.transport;
    await direct.publish(createEnvelope('OrderConfirmed', confirmedOrder(), { source: 'order-service' }));
    await direct.publish(createEnvelope('OrderConfirmed', confirmedOrder(), { source: 'order-service' }));
    await vi.waitFor(async () => expect(await direct.listDeadLetters(queue)).toHaveLength(2), WAIT);
    proxy.block();
    const out: string[] = [];
    const err: string[] = [];

    const command = runEventsCli(['dead-letters', 'replay', queue, '--wait', '0'], {
      env: { AMQP_URL: proxy.url, EVENTS_EXCHANGE: exchange },
      openTransport: openCliTransport,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    const fallback = unblockLater(proxy, 10_000);
    const first = await Promise.race([command.then((code) => `exit ${code}`), fallback.done]);
    fallback.cancel();

    expect(first).toBe('exit 1');
    expect(err.join('\n')).toContain('the event broker blocks publishing');
    proxy.unblock();
    expect(await direct.listDeadLetters(queue)).toHaveLength(2);
  });

  test('When a handler is still running at the deadline on a blocked connection, then its message is not acknowledged and the next start applies it once', async () => {
    const queue = queueName('slow-shipping');
    const shippingDb = database('shipping');
    let started = (): void => undefined;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const shipping = await bus('shipping-service', shippingDb, proxy.url, { queue });
    await shipping.consume({
      OrderConfirmed: async (event, { inTransaction }) => {
        started();
        await released;
        await inTransaction(() => {
          shippingDb.prepare('INSERT INTO effects (order_id) VALUES (?)').run(event.data.orderId);
        });
      },
    });
    const orderDb = database('order');
    const orders = await bus('order-service', orderDb, amqpUrl);
    const data = confirmedOrder();
    orderDb.transaction(() => orders.outbox.add('OrderConfirmed', data))();
    await handlerStarted;
    // The consumer's own outbox publish is what makes the broker stop reading its connection.
    proxy.block();
    shippingDb.transaction(() =>
      shipping.outbox.add('OrderCancelled', { ...data, reason: 'test', previousStatus: 'CONFIRMED' }),
    )();
    await vi.waitFor(() => expect(proxy.heldPublishes).toBe(1), WAIT);

    const by = Date.now() + 1_500;
    const outcome = await endsBy(shipping.stop(by), by);
    release();
    shippingDb.close();

    expect(outcome).toBe('ended');
    const reopened = openDatabase(shippingDb.name);
    dbs.push(reopened);
    expect(reopened.prepare('SELECT COUNT(*) FROM effects').pluck().get()).toBe(0);
    expect(unsent(reopened)).toBe(1);

    proxy.unblock();
    const again = await bus('shipping-service', reopened, amqpUrl, { queue });
    await again.consume({
      OrderConfirmed: async (event, { inTransaction }) => {
        await inTransaction(() => {
          reopened.prepare('INSERT INTO effects (order_id) VALUES (?)').run(event.data.orderId);
        });
      },
    });
    await vi.waitFor(
      () => expect(reopened.prepare('SELECT order_id FROM effects').pluck().all()).toEqual([data.orderId]),
      WAIT,
    );
    await vi.waitFor(() => expect(unsent(reopened)).toBe(0), WAIT);
  });
});
