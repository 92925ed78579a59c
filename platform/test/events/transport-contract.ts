import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { currentCorrelationId } from '../../src/context/request-context.js';
import { openDatabase, type Db } from '../../src/db/sqlite.js';
import type { EventData } from '../../src/events/catalog.js';
import { startConsumer, type EventHandler } from '../../src/events/consumer.js';
import { createEnvelope, type AnyEventEnvelope, type TypedEnvelope } from '../../src/events/envelope.js';
import { RejectedEventError } from '../../src/events/rejection.js';
import {
  UnknownQueueError,
  type Delivery,
  type EventTransport,
  type Subscription,
} from '../../src/events/transport.js';
import type { Logger } from '../../src/logging/logger.js';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import { captureLogger, tempDir } from '../../src/testing/index.js';

/** What the contract needs beyond the public interface: ways to fake a crash and to inject bad messages. */
export interface ContractTransport extends EventTransport {
  publishRaw(type: string, body: string): Promise<void>;
  terminate(): Promise<void>;
  pendingCount(queue: string): Promise<number>;
}

export interface TransportHarness {
  /** Retry delays the harness configures its transports with (small, so retries take milliseconds). */
  retryDelaysMs: readonly number[];
  create(deps: { logger: Logger; registry: Registry }): Promise<ContractTransport>;
  /** A queue name unique to this run (the harness deletes it afterwards). */
  queue(label: string): string;
  /** The broker drops every connection of this harness's transports; they must recover by themselves. */
  dropConnections(): Promise<void>;
  cleanup(): Promise<void>;
}

export function orderConfirmed(
  overrides: Partial<EventData<'OrderConfirmed'>> = {},
): TypedEnvelope<'OrderConfirmed'> {
  return createEnvelope(
    'OrderConfirmed',
    {
      orderId: randomUUID(),
      customerId: randomUUID(),
      totalCents: 2_500,
      currency: 'USD',
      items: [{ productId: 7, name: 'Mug', quantity: 2, unitPriceCents: 1_250 }],
      ...overrides,
    },
    { source: 'order-service', correlationId: `corr-${randomUUID()}` },
  );
}

export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const WAIT = { timeout: 15_000, interval: 25 };

/** The shared contract of docs/architecture.md#ports-and-run-modes and #events-outbox-and-inbox: both transports must pass every test of it. */
export function runTransportContract(name: string, setup: () => Promise<TransportHarness>): void {
  describe(`${name} event transport contract`, () => {
    let harness: TransportHarness;
    let dir: { path: string; cleanup(): void };
    const cleanups: (() => unknown)[] = [];

    beforeAll(async () => {
      harness = await setup();
      dir = tempDir('events-contract-');
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse())
        await Promise.resolve(cleanup()).catch(() => undefined);
    });

    afterAll(async () => {
      await harness?.cleanup();
      dir?.cleanup();
    });

    /** A consuming service's world: its own database, metrics, captured logs and transport. */
    async function service(label: string) {
      const registry = createMetricsRegistry(label, { collectDefault: false });
      const { logger, lines } = captureLogger(label);
      const transport = await harness.create({ logger, registry });
      cleanups.push(() => transport.close());
      const db: Db = openDatabase(join(dir.path, `${label}-${randomUUID()}.db`));
      cleanups.push(() => db.close());
      db.exec('CREATE TABLE effects (event_id TEXT NOT NULL, order_id TEXT NOT NULL)');
      const effects = (): { event_id: string; order_id: string }[] =>
        db.prepare('SELECT event_id, order_id FROM effects').all() as {
          event_id: string;
          order_id: string;
        }[];
      const recordEffect = (event: TypedEnvelope<'OrderConfirmed'>): void => {
        db.prepare('INSERT INTO effects (event_id, order_id) VALUES (?, ?)').run(
          event.id,
          event.data.orderId,
        );
      };
      const consume = async (
        queue: string,
        onOrderConfirmed: EventHandler<'OrderConfirmed'>,
      ): Promise<Subscription> => {
        const sub = await startConsumer({
          db,
          transport,
          queue,
          handlers: { OrderConfirmed: onOrderConfirmed },
          logger,
          registry,
          prefetch: 5,
        });
        cleanups.push(() => sub.stop());
        return sub;
      };
      const consumed = (outcome: string) => metricValue(registry, 'events_consumed_total', { outcome });
      return { registry, logger, lines, transport, db, effects, recordEffect, consume, consumed };
    }

    test('When an event is published, then the consumer applies it once, in its correlation context', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('publish');
      const seen: { event: AnyEventEnvelope; correlationId: string | undefined }[] = [];
      await shipping.consume(queue, async (event, context) => {
        seen.push({ event, correlationId: currentCorrelationId() });
        shipping.logger.info('scheduling shipment');
        await context.inTransaction(() => shipping.recordEffect(event));
      });
      const event = orderConfirmed();

      await shipping.transport.publish(event);

      await vi.waitFor(() => expect(shipping.effects()).toHaveLength(1), WAIT);
      expect(seen).toEqual([{ event, correlationId: event.correlationId }]);
      expect(shipping.effects()).toEqual([{ event_id: event.id, order_id: event.data.orderId }]);
      expect(shipping.lines().find((line) => line.message === 'scheduling shipment')).toMatchObject({
        correlationId: event.correlationId,
      });
      await vi.waitFor(async () => expect(await shipping.consumed('processed')).toBe(1), WAIT);
      await vi.waitFor(async () => expect(await shipping.transport.pendingCount(queue)).toBe(0), WAIT);
    });

    test('When the consumer is down at publish time, then it gets the event once it is back', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('offline');
      const first = await shipping.consume(queue, () => undefined);
      await first.stop();
      const event = orderConfirmed();

      await shipping.transport.publish(event);
      const received: string[] = [];
      await shipping.consume(queue, (delivered) => {
        received.push(delivered.id);
      });

      await vi.waitFor(() => expect(received).toEqual([event.id]), WAIT);
    });

    test('When a consumer dies before acking, then another consumer gets the message again', async () => {
      const registry = createMetricsRegistry('crash', { collectDefault: false });
      const { logger } = captureLogger('crash');
      const queue = harness.queue('crash');
      const doomed = await harness.create({ logger, registry });
      const stuck = deferred();
      cleanups.push(() => stuck.resolve());
      const firstDeliveries: string[] = [];
      await doomed.subscribe(queue, ['OrderConfirmed'], async (event) => {
        firstDeliveries.push(event.id);
        await stuck.promise;
      });
      const event = orderConfirmed();
      await doomed.publish(event);
      await vi.waitFor(() => expect(firstDeliveries).toEqual([event.id]), WAIT);

      await doomed.terminate();
      const survivor = await harness.create({ logger, registry });
      cleanups.push(() => survivor.close());
      const redeliveries: { id: string; delivery: Delivery }[] = [];
      await survivor.subscribe(queue, ['OrderConfirmed'], (delivered, delivery) => {
        redeliveries.push({ id: delivered.id, delivery });
        return Promise.resolve();
      });

      await vi.waitFor(() => expect(redeliveries).toHaveLength(1), WAIT);
      expect(redeliveries[0]).toEqual({ id: event.id, delivery: { attempt: 1, redelivered: true } });
    });

    test('When the same event is delivered twice, then its effect happens once', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('duplicate');
      let calls = 0;
      await shipping.consume(queue, async (event, context) => {
        calls += 1;
        await context.inTransaction(() => shipping.recordEffect(event));
      });
      const event = orderConfirmed();

      await shipping.transport.publish(event);
      await shipping.transport.publish(event);

      await vi.waitFor(async () => {
        expect((await shipping.consumed('processed')) + (await shipping.consumed('duplicate'))).toBe(2);
      }, WAIT);
      expect(shipping.effects()).toEqual([{ event_id: event.id, order_id: event.data.orderId }]);
      expect(await shipping.consumed('processed')).toBe(1);
      expect(await shipping.consumed('duplicate')).toBe(1);
      expect(calls).toBe(1);
    });

    test('When a message is unparseable or schema-invalid, then it is dead-lettered at once, never handled', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('poison');
      const handled: string[] = [];
      await shipping.consume(queue, (event) => {
        handled.push(event.id);
      });
      const valid = orderConfirmed();
      const schemaInvalid = {
        ...orderConfirmed(),
        data: { ...orderConfirmed().data, totalCents: 'ten dollars' },
      };

      await shipping.transport.publishRaw('OrderConfirmed', '{"this is": not json');
      await shipping.transport.publishRaw('OrderConfirmed', JSON.stringify(schemaInvalid));
      await shipping.transport.publish(valid);

      await vi.waitFor(
        async () => expect(await shipping.transport.listDeadLetters(queue)).toHaveLength(2),
        WAIT,
      );
      await vi.waitFor(() => expect(handled).toEqual([valid.id]), WAIT);
      const letters = await shipping.transport.listDeadLetters(queue);
      expect(letters.map((letter) => ({ reason: letter.reason, attempts: letter.attempts }))).toEqual([
        { reason: 'invalid', attempts: 1 },
        { reason: 'invalid', attempts: 1 },
      ]);
      expect(letters[0]?.body).toBe('{"this is": not json');
      expect(letters[1]?.eventId).toBe(schemaInvalid.id);
      expect(letters[1]?.error).toContain('data.totalCents');
      expect(await shipping.consumed('invalid')).toBe(2);
      expect(await shipping.consumed('retried')).toBe(0);
      expect(
        await metricValue(shipping.registry, 'events_dead_lettered_total', { type: 'OrderConfirmed' }),
      ).toBe(2);
    });

    test('When replayed poison comes straight back, then the replay moves each dead letter once and ends, and the returned ones carry its replay id', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('replay-poison');
      const handled: string[] = [];
      await shipping.consume(queue, (event) => {
        handled.push(event.id);
      });
      for (let index = 0; index < 3; index += 1) {
        await shipping.transport.publishRaw('OrderConfirmed', `{"not json ${index}`);
      }
      await vi.waitFor(
        async () => expect(await shipping.transport.listDeadLetters(queue)).toHaveLength(3),
        WAIT,
      );
      const progress: [number, number][] = [];

      const replayed = await shipping.transport.replayDeadLetters(queue, undefined, {
        replayId: 'replay-1',
        onProgress: (done, snapshot) => progress.push([done, snapshot]),
      });

      expect(replayed).toBe(3);
      expect(progress.at(-1)).toEqual([3, 3]);
      await vi.waitFor(async () => {
        const letters = await shipping.transport.listDeadLetters(queue);
        expect(letters.map((letter) => letter.replayId)).toEqual(['replay-1', 'replay-1', 'replay-1']);
      }, WAIT);
      expect(await shipping.consumed('invalid')).toBe(6);
      expect(handled).toEqual([]);
      expect(await shipping.transport.replayDeadLetters(queue, undefined, { replayId: 'replay-2' })).toBe(3);
    });

    test('When a handler rejects an event about an aggregate that does not exist, then it is dead-lettered at once with the reason, never retried, and nothing is recorded', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('rejecting');
      const attempts: number[] = [];
      await shipping.consume(queue, (event, context) => {
        attempts.push(context.attempt);
        throw new RejectedEventError(
          'unknown_aggregate',
          `order ${event.data.orderId} does not exist at order-service`,
        );
      });
      const event = orderConfirmed();

      await shipping.transport.publish(event);

      await vi.waitFor(
        async () => expect(await shipping.transport.listDeadLetters(queue)).toHaveLength(1),
        WAIT,
      );
      const [letter] = await shipping.transport.listDeadLetters(queue);
      expect(letter).toMatchObject({
        eventId: event.id,
        reason: 'unknown_aggregate',
        attempts: 1,
        error: `order ${event.data.orderId} does not exist at order-service`,
      });
      expect(attempts).toEqual([1]);
      expect(shipping.effects()).toEqual([]);
      expect(await shipping.consumed('rejected')).toBe(1);
      expect(await shipping.consumed('retried')).toBe(0);
      expect(
        await metricValue(shipping.registry, 'events_dead_lettered_total', { type: 'OrderConfirmed' }),
      ).toBe(1);
    });

    test('When a handler keeps failing, then it is retried after each delay, then dead-lettered and replayable', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('failing');
      const attempts: number[] = [];
      let healthy = false;
      await shipping.consume(queue, async (event, context) => {
        attempts.push(context.attempt);
        if (!healthy) throw new Error('carrier API down');
        await context.inTransaction(() => shipping.recordEffect(event));
      });
      const event = orderConfirmed();

      await shipping.transport.publish(event);

      await vi.waitFor(
        async () => expect(await shipping.transport.listDeadLetters(queue)).toHaveLength(1),
        WAIT,
      );
      const retries = harness.retryDelaysMs.length;
      expect(attempts).toEqual(Array.from({ length: retries + 1 }, (_, index) => index + 1));
      const [letter] = await shipping.transport.listDeadLetters(queue);
      expect(letter).toMatchObject({
        eventId: event.id,
        type: 'OrderConfirmed',
        correlationId: event.correlationId,
        reason: 'failed',
        attempts: retries + 1,
        error: 'carrier API down',
      });
      expect(await shipping.consumed('retried')).toBe(retries);
      expect(await shipping.consumed('dead_lettered')).toBe(1);
      expect(
        await metricValue(shipping.registry, 'events_dead_lettered_total', { type: 'OrderConfirmed' }),
      ).toBe(1);

      healthy = true;
      expect(await shipping.transport.replayDeadLetters(queue, [letter?.deadLetterId ?? 'missing'])).toBe(1);

      await vi.waitFor(() => expect(shipping.effects()).toHaveLength(1), WAIT);
      expect(await shipping.transport.listDeadLetters(queue)).toEqual([]);
    });

    test('When asked about a queue no consumer ever declared, then listing and replaying reject with UnknownQueueError', async () => {
      const tools = await service('tools');
      const queue = harness.queue('never-declared');

      await expect(tools.transport.listDeadLetters(queue)).rejects.toBeInstanceOf(UnknownQueueError);
      await expect(tools.transport.replayDeadLetters(queue)).rejects.toThrow(`no queue named ${queue}`);
    });

    test('When an event type has no queue bound, then it is published and logged at debug with its type, never as a warning', async () => {
      const inventory = await service('inventory');
      const event = createEnvelope(
        'StockReserved',
        { orderId: randomUUID(), items: [{ productId: 7, quantity: 1 }] },
        { source: 'inventory-service', correlationId: `corr-${randomUUID()}` },
      );

      await inventory.transport.publish(event);

      await vi.waitFor(
        () =>
          expect(inventory.lines()).toContainEqual(
            expect.objectContaining({
              'log.level': 'debug',
              message: 'event not routed: no queue is bound to its type',
              type: 'StockReserved',
            }),
          ),
        WAIT,
      );
      expect(inventory.lines().filter((line) => line['log.level'] === 'warn')).toEqual([]);
    });

    test('When the broker drops the connections, then publishing and consuming resume with nothing lost', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('recovery');
      await shipping.consume(queue, async (event, context) => {
        await context.inTransaction(() => shipping.recordEffect(event));
      });
      const before = orderConfirmed();
      await shipping.transport.publish(before);
      await vi.waitFor(() => expect(shipping.effects()).toHaveLength(1), WAIT);

      await harness.dropConnections();
      const after = Array.from({ length: 5 }, () => orderConfirmed());
      for (const event of after) {
        // Publishing fails while the connection is being re-established; a caller (the relay) retries.
        await vi.waitFor(() => shipping.transport.publish(event), { timeout: 15_000, interval: 50 });
      }

      await vi.waitFor(() => expect(shipping.effects()).toHaveLength(6), WAIT);
      expect(new Set(shipping.effects().map((effect) => effect.event_id))).toEqual(
        new Set([before, ...after].map((event) => event.id)),
      );
      expect(shipping.transport.isConnected()).toBe(true);
    });

    test('When a subscription stops during a slow handler, then stop waits for it and the message is acked once', async () => {
      const shipping = await service('shipping');
      const queue = harness.queue('drain');
      const started = deferred();
      const release = deferred();
      const order: string[] = [];
      let calls = 0;
      const slow = await shipping.consume(queue, async (event, context) => {
        calls += 1;
        started.resolve();
        await release.promise;
        await context.inTransaction(() => shipping.recordEffect(event));
        order.push('handler finished');
      });
      const event = orderConfirmed();
      await shipping.transport.publish(event);
      await started.promise;

      const stopped = slow.stop().then(() => order.push('stopped'));
      setTimeout(release.resolve, 200);
      await stopped;

      expect(order).toEqual(['handler finished', 'stopped']);
      expect(await shipping.transport.pendingCount(queue)).toBe(0);
      const marker = orderConfirmed();
      const afterRestart: string[] = [];
      await shipping.consume(queue, (delivered) => {
        afterRestart.push(delivered.id);
      });
      await shipping.transport.publish(marker);
      await vi.waitFor(() => expect(afterRestart).toContain(marker.id), WAIT);
      expect(afterRestart).toEqual([marker.id]);
      expect(calls).toBe(1);
      expect(shipping.effects()).toHaveLength(1);
    });
  });
}
