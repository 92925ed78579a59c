import { runWithContext } from '../context/request-context.js';
import { failSpan, SPAN_KIND, startSpanFrom, tracingEnabled } from '../tracing/tracing.js';
import { runRetrying, syncToDisk, type Db } from '../db/sqlite.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import { isEventType, type EventType } from './catalog.js';
import type { AnyEventEnvelope, TypedEnvelope } from './envelope.js';
import { eventMetrics } from './event-metrics.js';
import { DEFAULT_PREFETCH, type EventTransport, type Subscription } from './transport.js';

/** Creates the inbox table (consumer name + event id) in the consumer's database. Idempotent. */
export function ensureInboxSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS event_inbox (
      consumer TEXT NOT NULL,
      event_id TEXT NOT NULL,
      type TEXT NOT NULL,
      processed_at TEXT NOT NULL,
      PRIMARY KEY (consumer, event_id)
    ) WITHOUT ROWID;
  `);
}

/** Given to every handler so its effect happens once per event id. */
export interface EventHandlerContext {
  /** The consumer's database (the one holding the inbox). */
  db: Db;
  /** 1 on first handling, then 2, 3... on retries. */
  attempt: number;
  redelivered: boolean;
  /** True when this consumer has already applied this event (cheap early exit before slow work). */
  alreadyProcessed: () => boolean;
  /**
   * Runs `effect` (synchronous better-sqlite3 work, outbox.add included) and records the event in the
   * inbox in one SQLite transaction. Resolves false, without running `effect`, when the event was already
   * applied. While another process locks the database it tries again without blocking, then rejects (the
   * event is retried later). Call it at most once per event. Handlers that never call it get the inbox row
   * written after they resolve, which dedupes redeliveries but cannot make a non-SQLite side effect atomic.
   */
  inTransaction: (effect: () => void) => Promise<boolean>;
}

export type EventHandler<T extends EventType> = (
  event: TypedEnvelope<T>,
  context: EventHandlerContext,
) => void | Promise<void>;

/** The events a service consumes; the queue is bound to exactly these types. */
export type EventHandlers = { [K in EventType]?: EventHandler<K> };

export interface ConsumerOptions {
  db: Db;
  transport: EventTransport;
  /** The consuming service's queue, also its inbox consumer name (e.g. `shipping-service`). */
  queue: string;
  handlers: EventHandlers;
  logger: Logger;
  registry: Registry;
  prefetch?: number;
}

function handlerFor(handlers: EventHandlers, type: EventType): EventHandler<EventType> | undefined {
  // One correlated lookup: handlers[type] always matches event.type, which TypeScript cannot see.
  return handlers[type] as EventHandler<EventType> | undefined;
}

/**
 * Subscribes a service's handlers. Each delivery runs inside the event's correlation context (so every
 * log line carries it) and is applied at most once per event id through the inbox; a handler that
 * throws is retried by the transport and finally dead-lettered.
 */
export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  const { db, transport, queue, handlers, logger } = options;
  ensureInboxSchema(db);
  const metrics = eventMetrics(options.registry);
  const types = Object.keys(handlers).filter(isEventType);
  if (types.length === 0) throw new Error(`Consumer ${queue} has no event handlers`);

  const processed = db.prepare('SELECT 1 FROM event_inbox WHERE consumer = ? AND event_id = ?').pluck();
  const record = db.prepare(
    'INSERT OR IGNORE INTO event_inbox (consumer, event_id, type, processed_at) VALUES (?, ?, ?, ?)',
  );
  const recordOnce = (event: AnyEventEnvelope): boolean =>
    record.run(queue, event.id, event.type, new Date().toISOString()).changes === 1;

  async function handle(event: AnyEventEnvelope, attempt: number, redelivered: boolean): Promise<void> {
    const handler = handlerFor(handlers, event.type);
    if (!handler) return;
    const alreadyProcessed = (): boolean => processed.get(queue, event.id) !== undefined;
    if (alreadyProcessed()) {
      metrics.consumed.inc({ type: event.type, outcome: 'duplicate' });
      logger.info('event already processed, skipped', { event: { id: event.id, type: event.type } });
      return;
    }

    let applied: boolean | undefined;
    let called = false;
    const context: EventHandlerContext = {
      db,
      attempt,
      redelivered,
      alreadyProcessed,
      async inTransaction(effect) {
        if (called) throw new Error('inTransaction may be called once per event');
        called = true;
        applied = await runRetrying(db, () =>
          db
            .transaction(() => {
              if (!recordOnce(event)) return false;
              effect();
              return true;
            })
            .immediate(),
        );
        return applied;
      },
    };
    await handler(event, context);
    applied ??= await runRetrying(db, () => recordOnce(event));
    // Acknowledged only once its effect is on disk (GROUPED databases; at once for the others).
    await syncToDisk(db);
    metrics.consumed.inc({ type: event.type, outcome: applied ? 'processed' : 'duplicate' });
    logger.debug(applied ? 'event processed' : 'event already processed, skipped', {
      event: { id: event.id, type: event.type },
      attempt,
    });
  }

  return transport.subscribe(
    queue,
    types,
    (event, delivery) => {
      if (!tracingEnabled()) {
        return runWithContext({ correlationId: event.correlationId }, () =>
          handle(event, delivery.attempt, delivery.redelivered),
        );
      }
      // A CONSUMER span in the trace of the request that caused the event (its envelope's traceparent).
      const span = startSpanFrom(event, `consume ${event.type}`, SPAN_KIND.CONSUMER, {
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.message.id': event.id,
        'event.type': event.type,
        attempt: delivery.attempt,
      });
      return runWithContext({ correlationId: event.correlationId, span }, () =>
        handle(event, delivery.attempt, delivery.redelivered),
      ).then(
        () => span?.end(),
        (error: unknown) => {
          failSpan(span, error);
          span?.end();
          throw error;
        },
      );
    },
    { prefetch: options.prefetch ?? DEFAULT_PREFETCH },
  );
}
