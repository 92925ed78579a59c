import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { runWithContext } from '../../src/context/request-context.js';
import { openDatabase, type Db } from '../../src/db/sqlite.js';
import { EmbeddedTransport } from '../../src/events/embedded-transport.js';
import type { AnyEventEnvelope, EventEnvelope } from '../../src/events/envelope.js';
import { createOutbox, startOutboxRelay, type OutboxRelay } from '../../src/events/outbox.js';
import { TransportUnavailableError, type EventTransport } from '../../src/events/transport.js';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import { captureLogger, tempDir } from '../../src/testing/index.js';
import { metricValue } from './transport-contract.js';

const QUEUE = 'notification-service';

/** The embedded transport with a switch that makes the broker "go away". */
class SwitchableTransport {
  down = false;
  attempts = 0;
  constructor(readonly inner: EmbeddedTransport) {}
  asTransport(): EventTransport {
    return {
      kind: this.inner.kind,
      publish: (envelope: EventEnvelope) => {
        this.attempts += 1;
        return this.down ? Promise.reject(new TransportUnavailableError()) : this.inner.publish(envelope);
      },
      subscribe: (...args) => this.inner.subscribe(...args),
      listDeadLetters: (queue) => this.inner.listDeadLetters(queue),
      replayDeadLetters: (queue, ids, options) => this.inner.replayDeadLetters(queue, ids, options),
      pendingCount: (queue) => this.inner.pendingCount(queue),
      isConnected: () => !this.down,
      close: () => this.inner.close(),
      terminate: () => this.inner.terminate(),
    };
  }
}

describe('transactional outbox and relay', () => {
  let dir: { path: string; cleanup(): void };
  let db: Db;
  let registry: Registry;
  let broker: SwitchableTransport;
  let relay: OutboxRelay | undefined;
  const { logger } = captureLogger('order-service');

  beforeEach(() => {
    dir = tempDir('outbox-');
    db = openDatabase(join(dir.path, 'orders.db'));
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL)');
    registry = createMetricsRegistry('order-service', { collectDefault: false });
    broker = new SwitchableTransport(
      new EmbeddedTransport({ file: join(dir.path, 'events.db'), logger, registry, pollMs: 10 }),
    );
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await broker.inner.close();
    db.close();
    dir.cleanup();
  });

  async function received(): Promise<AnyEventEnvelope[]> {
    const events: AnyEventEnvelope[] = [];
    await broker.inner.subscribe(QUEUE, ['OrderConfirmed', 'OrderCancelled'], (event) => {
      events.push(event);
      return Promise.resolve();
    });
    return events;
  }

  function confirmOrder(outbox: ReturnType<typeof createOutbox>, orderId = randomUUID()) {
    return db.transaction(() => {
      db.prepare("INSERT INTO orders (id, status) VALUES (?, 'CONFIRMED')").run(orderId);
      return outbox.add('OrderConfirmed', {
        orderId,
        customerId: randomUUID(),
        totalCents: 1_000,
        currency: 'USD',
        items: [{ productId: 1, name: 'Mug', quantity: 1, unitPriceCents: 1_000 }],
      });
    })();
  }

  test('When the transaction rolls back, then its event is never published', async () => {
    const events = await received();
    const outbox = createOutbox(db, { source: 'order-service' });
    const failing = db.transaction(() => {
      confirmOrder(outbox);
      throw new Error('payment declined');
    });
    expect(() => failing()).toThrow('payment declined');
    const committed = confirmOrder(outbox);

    relay = startOutboxRelay({ db, transport: broker.asTransport(), logger, registry, pollMs: 10 });

    await vi.waitFor(() => expect(events.map((event) => event.id)).toContain(committed.id), {
      timeout: 5_000,
    });
    await relay.flush();
    expect(events.map((event) => event.id)).toEqual([committed.id]);
    expect(db.prepare('SELECT COUNT(*) FROM orders').pluck().get()).toBe(1);
    expect(await metricValue(registry, 'events_published_total', { type: 'OrderConfirmed' })).toBe(1);
  });

  test('When the transport is down, then events stay pending and are all published in order once it is back', async () => {
    const events = await received();
    const outbox = createOutbox(db, { source: 'order-service' });
    broker.down = true;
    const written = Array.from({ length: 5 }, () => confirmOrder(outbox));

    relay = startOutboxRelay({
      db,
      transport: broker.asTransport(),
      logger,
      registry,
      pollMs: 10,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    await vi.waitFor(() => expect(broker.attempts).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    await expect(relay.flush()).rejects.toThrow(TransportUnavailableError);
    expect(await metricValue(registry, 'outbox_pending', {})).toBe(5);
    // the age of the oldest waiting event, as of the scrape: it has been waiting since it was written
    const waitedMs = Date.now() - Date.parse(written[0]?.occurredAt ?? '');
    expect(await metricValue(registry, 'outbox_oldest_pending_age_seconds', {})).toBeGreaterThanOrEqual(
      waitedMs / 1000,
    );
    expect(events).toEqual([]);

    broker.down = false;

    await vi.waitFor(() => expect(events).toHaveLength(5), { timeout: 5_000 });
    expect(events.map((event) => event.id)).toEqual(written.map((event) => event.id));
    await relay.flush();
    expect(await metricValue(registry, 'outbox_pending', {})).toBe(0);
    expect(await metricValue(registry, 'outbox_oldest_pending_age_seconds', {})).toBe(0);
    expect(await metricValue(registry, 'events_published_total', { type: 'OrderConfirmed' })).toBe(5);
  });

  test('When flushed at shutdown, then every pending event is published before flush resolves', async () => {
    const outbox = createOutbox(db, { source: 'order-service' });
    // Bound but not consuming, so the queue shows exactly what the relay published.
    await (await broker.inner.subscribe(QUEUE, ['OrderConfirmed'], () => Promise.resolve())).stop();
    relay = startOutboxRelay({ db, transport: broker.asTransport(), logger, registry, pollMs: 60_000 });
    await relay.flush();
    confirmOrder(outbox);
    confirmOrder(outbox);

    await relay.flush();

    expect(await broker.inner.pendingCount(QUEUE)).toBe(2);
    expect(db.prepare('SELECT COUNT(*) FROM event_outbox WHERE sent_at IS NULL').pluck().get()).toBe(0);
    expect(await metricValue(registry, 'events_published_total', { type: 'OrderConfirmed' })).toBe(2);
  });

  test('When no correlationId is given, then the event carries the current request context one', () => {
    const outbox = createOutbox(db, { source: 'order-service' });

    const event = runWithContext({ correlationId: 'req-42' }, () => confirmOrder(outbox));

    expect(event).toMatchObject({ type: 'OrderConfirmed', source: 'order-service', correlationId: 'req-42' });
    const stored = db
      .prepare('SELECT envelope FROM event_outbox WHERE event_id = ?')
      .pluck()
      .get(event.id) as string;
    expect(JSON.parse(stored)).toEqual(event);
  });

  test('When the data does not match the catalogue, then add throws and the whole transaction rolls back', () => {
    const outbox = createOutbox(db, { source: 'order-service' });

    const invalid = db.transaction(() => {
      db.prepare("INSERT INTO orders (id, status) VALUES ('o-1', 'CANCELLED')").run();
      outbox.add('OrderCancelled', {
        orderId: 'o-1',
        customerId: 'c-1',
        reason: '',
        previousStatus: 'PENDING',
      });
    });

    expect(() => invalid()).toThrow(/Invalid OrderCancelled event: data.reason/);
    expect(db.prepare('SELECT COUNT(*) FROM orders').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM event_outbox').pluck().get()).toBe(0);
  });
});
