import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { restrictDataFile } from '../db/file-permissions.js';

import Database from 'better-sqlite3';
import { DatabaseBusyError } from '../db/database-errors.js';
import { WalSync } from '../db/wal-sync.js';
import { isSqliteBusy, retryWhileLocked, type Db } from '../db/sqlite.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import { backoffDelay } from './backoff.js';
import { isEventType, type EventType } from './catalog.js';
import { parseEnvelope, type EventEnvelope } from './envelope.js';
import { isRejection } from './rejection.js';
import { eventMetrics, type EventMetrics } from './event-metrics.js';
import {
  DEFAULT_PREFETCH,
  DEFAULT_RETRY_DELAYS_MS,
  UnknownQueueError,
  type DeadLetter,
  type DeadLetterReason,
  type DeliveryHandler,
  type EventTransport,
  type ReplayOptions,
  type SubscribeOptions,
  type Subscription,
} from './transport.js';

export interface EmbeddedTransportOptions {
  /** The queue file shared by every local service process, e.g. `data/events.db`. */
  file: string;
  logger: Logger;
  registry: Registry;
  retryDelaysMs?: readonly number[];
  /** How often an idle subscription looks for messages published by other processes (default 100 ms). */
  pollMs?: number;
  /** A claimed message returns to the queue if its consumer neither settles nor renews it in this time (default 30 s). */
  visibilityTimeoutMs?: number;
}

interface MessageRow {
  id: number;
  type: string;
  body: string;
  attempt: number;
  deliveries: number;
}

interface DeadRow {
  id: number;
  type: string;
  body: string;
  attempt: number;
  event_id: string | null;
  correlation_id: string | null;
  dead_reason: DeadLetterReason;
  last_error: string | null;
  dead_at: number | null;
  replay_id: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS bindings (
    queue TEXT NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (queue, type)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    event_id TEXT,
    correlation_id TEXT,
    status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'dead')),
    attempt INTEGER NOT NULL DEFAULT 1,
    deliveries INTEGER NOT NULL DEFAULT 0,
    visible_at INTEGER NOT NULL,
    lease_owner TEXT,
    last_error TEXT,
    dead_reason TEXT,
    dead_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, status, visible_at, id);
`;

/**
 * Every local service process uses the file: one statement waits at most this long for another's lock, since
 * the wait blocks the event loop; longer contention is retried without blocking (LOCK_WAIT_MS in all).
 */
const BUSY_TIMEOUT_MS = 20;
const LOCK_WAIT_MS = 2_000;
/** Creating the schema happens once per file, when the services start together: they may wait for it. */
const SCHEMA_BUSY_TIMEOUT_MS = 5_000;

function hasSchema(db: Db): boolean {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('messages') as string[];
  return columns.includes('replay_id');
}

function openQueueFile(file: string): Db {
  restrictDataFile(file);
  const db = new Database(file, { timeout: SCHEMA_BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  // NORMAL: claims, acknowledgements and retries are not synced (a power cut may undo the last of them: the
  // message is then delivered again, and the consumers' inbox keeps it to one effect); a publish resolves
  // only once the WAL is synced (WalSync, off the event loop, one fsync for every publish waiting), so an
  // acknowledged publish survives a power cut, not only a process crash.
  db.pragma('synchronous = NORMAL');
  if (!hasSchema(db)) {
    db.transaction(() => {
      db.exec(SCHEMA);
      // Files created before replays were marked.
      if (!hasSchema(db)) db.exec('ALTER TABLE messages ADD COLUMN replay_id TEXT');
    }).immediate();
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/**
 * The statements every publish, poll, claim and settlement runs, prepared once per open handle: preparing one
 * costs about as much as running it (5-38 µs on the queue file), and each consumer polls and settles many
 * times a second.
 */
function prepareStatements(db: Db) {
  return {
    ping: db.prepare('SELECT 1'),
    boundQueues: db.prepare('SELECT queue FROM bindings WHERE type = ?').pluck(),
    insert: db.prepare(
      `INSERT INTO messages (queue, type, body, event_id, correlation_id, visible_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    // A read first: idle polls of every local service then never contend for the file's write lock.
    waiting: db
      .prepare(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE queue = ? AND status = 'ready' AND visible_at <= ?)",
      )
      .pluck(),
    claim: db.prepare(
      `UPDATE messages SET lease_owner = @token, visible_at = @until, deliveries = deliveries + 1
       WHERE id IN (
         SELECT id FROM messages
         WHERE queue = @queue AND status = 'ready' AND visible_at <= @now
         ORDER BY id LIMIT @limit
       )
       RETURNING id, type, body, attempt, deliveries`,
    ),
    ack: db.prepare('DELETE FROM messages WHERE id = @id AND lease_owner = @token'),
    retry: db.prepare(
      `UPDATE messages SET attempt = attempt + 1, visible_at = @visibleAt, lease_owner = NULL,
       last_error = @error WHERE id = @id AND lease_owner = @token`,
    ),
    dead: db.prepare(
      `UPDATE messages SET status = 'dead', lease_owner = NULL, dead_reason = @reason,
       last_error = @error, dead_at = @now WHERE id = @id AND lease_owner = @token`,
    ),
    renew: db.prepare("UPDATE messages SET visible_at = ? WHERE lease_owner = ? AND status = 'ready'"),
    pending: db.prepare("SELECT COUNT(*) FROM messages WHERE queue = ? AND status = 'ready'").pluck(),
  };
}
type QueueStatements = ReturnType<typeof prepareStatements>;

/** Wakes subscriptions of this process when it publishes, instead of waiting for their next poll. */
const localPublishes = new EventEmitter().setMaxListeners(0);

/**
 * Runs synchronous SQLite work behind the asynchronous transport interface: a throw becomes a rejection, and
 * a file locked by another process is tried again without blocking, for LOCK_WAIT_MS.
 */
function asPromise<T>(work: () => T): Promise<T> {
  return retryWhileLocked(work, LOCK_WAIT_MS);
}

class EmbeddedSubscription {
  readonly token = randomUUID();
  readonly inflight = new Set<Promise<void>>();
  stopping = false;
  /** Set by terminate(): in-flight handlers may finish but must not settle anything. */
  abandoned = false;
  loopDone: Promise<void> = Promise.resolve();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeResolve: (() => void) | undefined;
  readonly onPublish = (queue: string): void => {
    if (queue === this.queue) this.wake();
  };

  constructor(
    readonly queue: string,
    readonly types: ReadonlySet<string>,
    readonly handler: DeliveryHandler,
    readonly prefetch: number,
  ) {}

  sleep(ms: number): Promise<void> {
    return new Promise((resolveSleep) => {
      this.wakeResolve = resolveSleep;
      this.wakeTimer = setTimeout(() => this.wake(), ms);
    });
  }

  wake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    const resolveSleep = this.wakeResolve;
    this.wakeResolve = undefined;
    resolveSleep?.();
  }
}

/**
 * The event bus without a broker: every local service process shares one SQLite queue file. Publishing
 * inserts one row per queue bound to the type (bindings live in the file, so a consumer that is down
 * still gets its copy); consumers claim rows with a lease that expires if they die before settling;
 * failures are retried after growing delays and finally marked dead (the dead-letter queue).
 */
export class EmbeddedTransport implements EventTransport {
  readonly kind = 'embedded' as const;
  private db: Db | undefined;
  private closed = false;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly retryDelaysMs: readonly number[];
  private readonly pollMs: number;
  private readonly visibilityTimeoutMs: number;
  private readonly metrics: EventMetrics;
  private readonly signal: string;
  private readonly leaseTimer: NodeJS.Timeout;
  private readonly walSyncs = new WeakMap<Db, WalSync>();
  private readonly prepared = new WeakMap<Db, QueueStatements>();

  constructor(private readonly options: EmbeddedTransportOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.pollMs = options.pollMs ?? 100;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.metrics = eventMetrics(options.registry);
    this.signal = resolve(options.file);
    this.handle();
    this.leaseTimer = setInterval(() => this.renewLeases(), Math.max(10, this.visibilityTimeoutMs / 3));
    this.leaseTimer.unref();
  }

  /** The open file handle, reopened after it was lost (the embedded analogue of a reconnect). */
  private handle(): Db {
    if (this.closed) throw new Error('embedded event transport is closed');
    if (!this.db?.open) {
      this.db = openQueueFile(this.options.file);
    }
    return this.db;
  }

  /** The hot statements of the open handle (a reopened handle prepares its own). */
  private statements(): QueueStatements {
    const db = this.handle();
    let statements = this.prepared.get(db);
    if (statements === undefined) {
      statements = prepareStatements(db);
      this.prepared.set(db, statements);
    }
    return statements;
  }

  isConnected(): boolean {
    try {
      this.statements().ping.get();
      return true;
    } catch {
      return false;
    }
  }

  publish(envelope: EventEnvelope): Promise<void> {
    return this.publishRaw(envelope.type, JSON.stringify(envelope));
  }

  /** Publishes a body as is (no validation): for tools and for tests that need malformed messages. */
  publishRaw(type: string, body: string): Promise<void> {
    return asPromise(() => this.insertMessages(type, body)).then(() => this.walSync().sync());
  }

  /** The group commit of the open handle (a reopened handle gets its own). */
  private walSync(): WalSync {
    const db = this.handle();
    let sync = this.walSyncs.get(db);
    if (sync === undefined) {
      sync = new WalSync(db, `${resolve(this.options.file)}-wal`);
      this.walSyncs.set(db, sync);
    }
    return sync;
  }

  private insertMessages(type: string, body: string): void {
    const db = this.handle();
    const hint = parseEnvelope(body);
    const eventId = hint.ok ? hint.envelope.id : (hint.id ?? null);
    const correlationId = hint.ok ? hint.envelope.correlationId : null;
    const now = Date.now();
    this.insertRows(db, type, body, eventId, correlationId, now);
  }

  private insertRows(
    db: Db,
    type: string,
    body: string,
    eventId: string | null,
    correlationId: string | null,
    now: number,
  ): void {
    const { boundQueues, insert } = this.statements();
    const queues = db
      .transaction(() => {
        const bound = boundQueues.all(type) as string[];
        for (const queue of bound) insert.run(queue, type, body, eventId, correlationId, now, now);
        return bound;
      })
      .immediate();
    // Routine, not a fault: services publish every fact of the catalogue whether or not a service consumes
    // it (StockReserved has no consumer), so a warning here would fire on every order.
    if (queues.length === 0)
      this.options.logger.debug('event not routed: no queue is bound to its type', { type });
    for (const queue of queues) localPublishes.emit(this.signal, queue);
  }

  subscribe(
    queue: string,
    types: readonly EventType[],
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return asPromise(() => {
      const db = this.handle();
      const bind = db.prepare('INSERT OR IGNORE INTO bindings (queue, type) VALUES (?, ?)');
      db.transaction(() => types.forEach((type) => bind.run(queue, type))).immediate();

      const sub = new EmbeddedSubscription(
        queue,
        new Set(types),
        handler,
        options.prefetch ?? DEFAULT_PREFETCH,
      );
      localPublishes.on(this.signal, sub.onPublish);
      this.subscriptions.add(sub);
      sub.loopDone = this.run(sub);
      return { stop: () => this.stopSubscription(sub) };
    });
  }

  private async stopSubscription(sub: EmbeddedSubscription): Promise<void> {
    sub.stopping = true;
    sub.wake();
    await sub.loopDone;
    while (sub.inflight.size > 0) await Promise.allSettled([...sub.inflight]);
    localPublishes.off(this.signal, sub.onPublish);
    this.subscriptions.delete(sub);
  }

  private async run(sub: EmbeddedSubscription): Promise<void> {
    let failures = 0;
    while (!sub.stopping) {
      const capacity = sub.prefetch - sub.inflight.size;
      if (capacity > 0) {
        let rows: MessageRow[];
        try {
          rows = this.claim(sub, capacity);
          failures = 0;
        } catch (error) {
          failures += 1;
          if (failures === 1)
            this.options.logger.warn('embedded event queue unavailable', { err: error, queue: sub.queue });
          // A lock held elsewhere leaves the handle fine; anything else may have broken it.
          if (!isSqliteBusy(error)) this.dropHandle();
          await sub.sleep(backoffDelay(failures, { initialMs: this.pollMs, maxMs: 5_000 }));
          continue;
        }
        for (const row of rows) this.dispatch(sub, row);
        if (rows.length === capacity) continue;
      }
      await sub.sleep(this.pollMs);
    }
  }

  private claim(sub: EmbeddedSubscription, limit: number): MessageRow[] {
    const now = Date.now();
    const statements = this.statements();
    if (statements.waiting.get(sub.queue, now) !== 1) return [];
    const rows = statements.claim.all({
      token: sub.token,
      until: now + this.visibilityTimeoutMs,
      queue: sub.queue,
      now,
      limit,
    }) as MessageRow[];
    return rows.sort((a, b) => a.id - b.id);
  }

  private dispatch(sub: EmbeddedSubscription, row: MessageRow): void {
    const done = this.deliver(sub, row).finally(() => {
      sub.inflight.delete(done);
      sub.wake();
    });
    sub.inflight.add(done);
  }

  private async deliver(sub: EmbeddedSubscription, row: MessageRow): Promise<void> {
    const { logger } = this.options;
    const parsed = parseEnvelope(row.body);
    const type = isEventType(row.type) ? row.type : 'unknown';
    if (!parsed.ok) {
      this.metrics.consumed.inc({ type, outcome: 'invalid' });
      this.metrics.deadLettered.inc({ type });
      logger.error('invalid event dead-lettered', {
        queue: sub.queue,
        type: row.type,
        error: { type: 'InvalidEvent', message: parsed.error },
      });
      await this.settle(sub, row, 'dead', { reason: 'invalid', error: parsed.error });
      return;
    }
    const event = parsed.envelope;
    if (!sub.types.has(event.type)) {
      await this.settle(sub, row, 'ack');
      return;
    }
    try {
      await sub.handler(event, { attempt: row.attempt, redelivered: row.deliveries > 1 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = this.retryDelaysMs[row.attempt - 1];
      const fields = {
        queue: sub.queue,
        event: { id: event.id, type: event.type },
        correlationId: event.correlationId,
      };
      if (isRejection(error)) {
        this.metrics.consumed.inc({ type: event.type, outcome: 'rejected' });
        this.metrics.deadLettered.inc({ type: event.type });
        logger.warn('event rejected by its handler, dead-lettered', {
          ...fields,
          reason: error.reason,
          error: message,
        });
        await this.settle(sub, row, 'dead', { reason: error.reason, error: message });
      } else if (delay !== undefined) {
        this.metrics.consumed.inc({ type: event.type, outcome: 'retried' });
        logger.warn('event handler failed, will retry', {
          ...fields,
          attempt: row.attempt,
          retryInMs: delay,
          err: error,
        });
        await this.settle(sub, row, 'retry', { delayMs: delay, error: message });
      } else {
        this.metrics.consumed.inc({ type: event.type, outcome: 'dead_lettered' });
        this.metrics.deadLettered.inc({ type: event.type });
        logger.error('event handler kept failing, dead-lettered', {
          ...fields,
          attempts: row.attempt,
          err: error,
        });
        await this.settle(sub, row, 'dead', { reason: 'failed', error: message });
      }
      return;
    }
    await this.settle(sub, row, 'ack');
  }

  /**
   * Acks, reschedules or dead-letters a claimed row, only if this subscription still holds its lease; while
   * another process locks the file it tries again without blocking.
   */
  private async settle(
    sub: EmbeddedSubscription,
    row: MessageRow,
    action: 'ack' | 'retry' | 'dead',
    detail: { delayMs?: number; reason?: DeadLetterReason; error?: string } = {},
  ): Promise<void> {
    if (sub.abandoned) return;
    try {
      const result = await retryWhileLocked(
        () => this.applySettlement(sub, row, action, detail),
        LOCK_WAIT_MS,
      );
      if (result.changes === 0) {
        this.options.logger.warn('embedded event lease lost before settling; it will be delivered again', {
          queue: sub.queue,
          messageId: row.id,
        });
      }
    } catch (error) {
      // Unsettled, the row comes back when its lease expires: at-least-once, deduped by the inbox.
      this.options.logger.warn('cannot settle embedded event', {
        err: error,
        queue: sub.queue,
        messageId: row.id,
      });
      if (!isSqliteBusy(error) && !(error instanceof DatabaseBusyError)) this.dropHandle();
    }
  }

  private applySettlement(
    sub: EmbeddedSubscription,
    row: MessageRow,
    action: 'ack' | 'retry' | 'dead',
    detail: { delayMs?: number; reason?: DeadLetterReason; error?: string },
  ): { changes: number } {
    const statements = this.statements();
    const lease = { id: row.id, token: sub.token };
    const result =
      action === 'ack'
        ? statements.ack.run(lease)
        : action === 'retry'
          ? statements.retry.run({
              ...lease,
              visibleAt: Date.now() + (detail.delayMs ?? 0),
              error: detail.error ?? null,
            })
          : statements.dead.run({
              ...lease,
              reason: detail.reason ?? 'failed',
              error: detail.error ?? null,
              now: Date.now(),
            });
    return result;
  }

  /** Keeps the leases of slow handlers alive so they are not redelivered while still running. */
  private renewLeases(): void {
    const busy = [...this.subscriptions].filter((sub) => sub.inflight.size > 0 && !sub.abandoned);
    if (busy.length === 0 || this.closed) return;
    try {
      const { renew } = this.statements();
      for (const sub of busy) renew.run(Date.now() + this.visibilityTimeoutMs, sub.token);
    } catch (error) {
      this.options.logger.warn('cannot renew embedded event leases', { err: error });
      if (!isSqliteBusy(error)) this.dropHandle();
    }
  }

  private dropHandle(): void {
    // Its group commit keeps the WAL open: released with the handle (a reopened handle gets its own).
    if (this.db) this.walSyncs.get(this.db)?.close();
    try {
      this.db?.close();
    } catch {
      // Already unusable; the next call reopens it.
    }
    this.db = undefined;
  }

  /**
   * Closes the file handle as a lost connection would; every operation reopens it by itself. The contract
   * tests use it to show that nothing is lost across such an interruption.
   */
  disconnect(): void {
    this.dropHandle();
  }

  listDeadLetters(queue: string): Promise<DeadLetter[]> {
    return asPromise(() => this.deadLetters(queue));
  }

  /** A queue exists once a consumer subscribed to it: its bindings stay in the file. */
  private assertQueueExists(queue: string): void {
    const db = this.handle();
    if (db.prepare('SELECT 1 FROM bindings WHERE queue = ? LIMIT 1').get(queue) !== undefined) return;
    const known = db.prepare('SELECT DISTINCT queue FROM bindings ORDER BY queue').pluck().all() as string[];
    throw new UnknownQueueError(queue, known);
  }

  private deadLetters(queue: string): DeadLetter[] {
    this.assertQueueExists(queue);
    const rows = this.handle()
      .prepare(
        `SELECT id, type, body, attempt, event_id, correlation_id, dead_reason, last_error, dead_at, replay_id
         FROM messages WHERE queue = ? AND status = 'dead' ORDER BY id`,
      )
      .all(queue) as DeadRow[];
    return rows.map((row) => ({
      deadLetterId: String(row.id),
      eventId: row.event_id ?? undefined,
      type: row.type,
      correlationId: row.correlation_id ?? undefined,
      reason: row.dead_reason,
      error: row.last_error ?? undefined,
      attempts: row.attempt,
      deadLetteredAt: row.dead_at === null ? undefined : new Date(row.dead_at).toISOString(),
      replayId: row.replay_id ?? undefined,
      body: row.body,
    }));
  }

  replayDeadLetters(queue: string, ids?: readonly string[], options: ReplayOptions = {}): Promise<number> {
    return asPromise(() => this.replay(queue, ids, options));
  }

  /** One transaction: the snapshot is the dead letters at that instant, and nothing can come back meanwhile. */
  private replay(queue: string, ids: readonly string[] | undefined, options: ReplayOptions): number {
    const db = this.handle();
    const replay = db.prepare(
      `UPDATE messages SET status = 'ready', attempt = 1, deliveries = 0, visible_at = ?, lease_owner = NULL,
       dead_reason = NULL, dead_at = NULL, replay_id = ? WHERE id = ? AND status = 'dead'`,
    );
    const wanted = ids ? new Set(ids) : undefined;
    const chosen = db
      .transaction(() => {
        const dead = this.deadLetters(queue);
        const picked = dead.filter(
          (letter) =>
            !wanted ||
            wanted.has(letter.deadLetterId) ||
            (letter.eventId !== undefined && wanted.has(letter.eventId)),
        );
        for (const letter of picked) {
          replay.run(Date.now(), options.replayId ?? null, Number(letter.deadLetterId));
        }
        return picked.length;
      })
      .immediate();
    options.onProgress?.(chosen, chosen);
    if (chosen > 0) localPublishes.emit(this.signal, queue);
    return chosen;
  }

  /** Messages of `queue` not yet acknowledged (ready, waiting for a retry or in flight); dead letters excluded. */
  pendingCount(queue: string): Promise<number> {
    return asPromise(() => this.statements().pending.get(queue) as number);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((sub) => this.stopSubscription(sub)));
    this.closed = true;
    clearInterval(this.leaseTimer);
    this.dropHandle();
  }

  /**
   * Stops at once, as a crashed process would: in-flight messages are neither finished nor settled, so
   * their leases expire and another consumer gets them.
   */
  async terminate(): Promise<void> {
    for (const sub of this.subscriptions) {
      sub.stopping = true;
      sub.abandoned = true;
      sub.wake();
      localPublishes.off(this.signal, sub.onPublish);
    }
    this.closed = true;
    clearInterval(this.leaseTimer);
    await Promise.all([...this.subscriptions].map((sub) => sub.loopDone));
    this.subscriptions.clear();
    this.dropHandle();
  }
}
