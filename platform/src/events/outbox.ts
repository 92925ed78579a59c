import { syncToDisk, type Db } from '../db/sqlite.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { EventData, EventType } from './catalog.js';
import { createEnvelope, type EventEnvelope, type TypedEnvelope } from './envelope.js';
import { eventMetrics, registerOutboxAgeGauge } from './event-metrics.js';
import { failSpan, SPAN_KIND, startSpanFrom, traceparentOf, tracingEnabled } from '../tracing/tracing.js';
import type { EventTransport } from './transport.js';

/** Creates the outbox table in the service's database (idempotent; safe on every start). */
export function ensureOutboxSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS event_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      envelope TEXT NOT NULL,
      created_at TEXT NOT NULL,
      sent_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT
    );
    CREATE INDEX IF NOT EXISTS event_outbox_unsent ON event_outbox (seq) WHERE sent_at IS NULL;
  `);
}

export interface Outbox {
  /**
   * Records an event to publish. Synchronous: call it inside the same `db.transaction()` as the state
   * change, so the event exists if and only if the change commits. Throws when `data` is not valid.
   */
  add<T extends EventType>(
    type: T,
    data: EventData<T>,
    options?: { correlationId?: string | undefined },
  ): TypedEnvelope<T>;
}

/** The producer side of the transactional outbox; `source` is the publishing service's name. */
export function createOutbox(db: Db, options: { source: string }): Outbox {
  ensureOutboxSchema(db);
  const insert = db.prepare(
    'INSERT INTO event_outbox (event_id, type, envelope, created_at) VALUES (@id, @type, @envelope, @createdAt)',
  );
  return {
    add(type, data, addOptions = {}) {
      const envelope = createEnvelope(type, data, {
        source: options.source,
        correlationId: addOptions.correlationId,
      });
      insert.run({
        id: envelope.id,
        type,
        envelope: JSON.stringify(envelope),
        createdAt: envelope.occurredAt,
      });
      return envelope;
    },
  };
}

export interface OutboxRelayOptions {
  db: Db;
  transport: EventTransport;
  logger: Logger;
  registry: Registry;
  /** Pause between polls when the outbox is empty (default 200 ms). */
  pollMs?: number;
  /** Rows read per round (default 100). */
  batchSize?: number;
  /** Growing pause after consecutive publish failures (default 200 ms doubling up to 10 s). */
  backoff?: BackoffOptions;
  /** Sent rows are deleted after this long (default 24 h). */
  retainSentMs?: number;
}

export interface OutboxRelay {
  /** Publishes every pending event now; rejects if the transport refuses one (the rest stay pending). */
  flush(): Promise<void>;
  /** Stops polling after the round in progress. Pending events stay for the next start. */
  stop(): Promise<void>;
}

interface OutboxRow {
  seq: number;
  type: string;
  envelope: string;
}

/**
 * Publishes outbox rows in insertion order, one at a time, and marks them sent (a round's in one commit)
 * only once the transport has confirmed them, so a crash between the two republishes them (consumers dedupe
 * by event id). While the
 * broker is away it backs off and keeps the rows; `outbox_pending` shows the backlog.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, transport, logger } = options;
  const pollMs = options.pollMs ?? 200;
  const batchSize = options.batchSize ?? 100;
  const retainSentMs = options.retainSentMs ?? 24 * 60 * 60 * 1000;
  const metrics = eventMetrics(options.registry);
  ensureOutboxSchema(db);

  const selectPending = db.prepare(
    'SELECT seq, type, envelope FROM event_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?',
  );
  const countPending = db.prepare('SELECT COUNT(*) AS n FROM event_outbox WHERE sent_at IS NULL');
  const oldestPending = db.prepare(
    'SELECT created_at AS createdAt FROM event_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1',
  );
  const markSent = db.prepare('UPDATE event_outbox SET sent_at = ?, attempts = attempts + 1 WHERE seq = ?');
  const markFailed = db.prepare(
    'UPDATE event_outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?',
  );
  const prune = db.prepare('DELETE FROM event_outbox WHERE sent_at IS NOT NULL AND sent_at < ?');
  const synchronousFull = db.pragma('synchronous', { simple: true }) === 2;
  const markSentTogether = db.transaction((rows: OutboxRow[], at: string) => {
    for (const row of rows) markSent.run(at, row.seq);
  });
  /**
   * The rows of one round marked sent in one commit, not synced to disk even where the database is FULL:
   * a power loss may undo the marks (never the events, which the transport holds), and those events are
   * then published again, which consumers dedupe by event id. Saves a disk sync per event.
   */
  const markAllSent = (rows: OutboxRow[]): void => {
    if (rows.length === 0) return;
    if (synchronousFull) db.pragma('synchronous = NORMAL');
    try {
      markSentTogether(rows, new Date().toISOString());
    } finally {
      if (synchronousFull) db.pragma('synchronous = FULL');
    }
  };

  let stopped = false;
  let failures = 0;
  let lastPrune = 0;
  let timer: NodeJS.Timeout | undefined;
  // Rounds never overlap: the loop and flush() share this chain, which keeps the publish order.
  let chain: Promise<unknown> = Promise.resolve();

  let oldestPendingAt: number | undefined;
  registerOutboxAgeGauge(options.registry, () => oldestPendingAt);

  const updatePending = (): void => {
    try {
      metrics.outboxPending.set((countPending.get() as { n: number }).n);
      const oldest = oldestPending.get() as { createdAt: string } | undefined;
      oldestPendingAt = oldest ? Date.parse(oldest.createdAt) : undefined;
    } catch (error) {
      logger.warn('outbox: cannot count pending events', { err: error });
    }
  };

  /** Publishes until the outbox is empty; returns the error that stopped it, if any. */
  async function drain(): Promise<unknown> {
    try {
      for (;;) {
        const rows = selectPending.all(batchSize) as OutboxRow[];
        // Never publish an event whose commit a power loss could undo (GROUPED databases).
        if (rows.length > 0) await syncToDisk(db);
        const sent: OutboxRow[] = [];
        try {
          for (const row of rows) {
            try {
              await publishTraced(transport, JSON.parse(row.envelope) as EventEnvelope);
            } catch (error) {
              markFailed.run((error as Error).message, row.seq);
              return error;
            }
            sent.push(row);
            metrics.published.inc({ type: row.type });
          }
        } finally {
          markAllSent(sent);
        }
        if (rows.length < batchSize) return undefined;
      }
    } catch (error) {
      // A database error (e.g. closed during shutdown) is a failed round like any other.
      return error;
    } finally {
      // Once stopped, the database may already be closed (a publish abandoned at shutdown settles late).
      if (!stopped) updatePending();
      if (!stopped && Date.now() - lastPrune > 60_000) {
        lastPrune = Date.now();
        try {
          prune.run(new Date(Date.now() - retainSentMs).toISOString());
        } catch (error) {
          logger.warn('outbox: cannot prune sent events', { err: error });
        }
      }
    }
  }

  function serialized(): Promise<unknown> {
    const round = chain.then(drain);
    chain = round.catch(() => undefined);
    return round;
  }

  async function loop(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    const error = await serialized();
    if (error === undefined) {
      if (failures > 0) logger.info('outbox: publishing again', { 'event.outcome': 'success' });
      failures = 0;
    } else {
      failures += 1;
      if (failures === 1 || failures % 20 === 0) {
        logger.warn('outbox: publish failed, events kept pending', {
          err: error,
          failures,
          'event.outcome': 'failure',
        });
      }
    }
    if (!stopped) {
      const wait = error === undefined ? pollMs : backoffDelay(failures, options.backoff);
      timer = setTimeout(() => void loop(), wait);
    }
  }

  updatePending();
  void loop();

  return {
    async flush() {
      const error = await serialized();
      if (error !== undefined)
        throw error instanceof Error ? error : new Error('outbox flush failed', { cause: error });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain;
    },
  };
}

/**
 * Publishes one event; with tracing on, inside a PRODUCER span child of the span that wrote the event, whose
 * traceparent the published envelope carries (so the consumers' spans hang under the relay's publish).
 */
async function publishTraced(transport: EventTransport, envelope: EventEnvelope): Promise<void> {
  if (!tracingEnabled() || envelope.traceparent === undefined) return transport.publish(envelope);
  const span = startSpanFrom(envelope, `publish ${envelope.type}`, SPAN_KIND.PRODUCER, {
    'messaging.operation.type': 'send',
    'messaging.message.id': envelope.id,
    'event.type': envelope.type,
  });
  try {
    await transport.publish({ ...envelope, traceparent: traceparentOf(span) ?? envelope.traceparent });
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span?.end();
  }
}
