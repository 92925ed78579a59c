import { restrictDataFile } from './file-permissions.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DatabaseBusyError } from './database-errors.js';
import { WalSync } from './wal-sync.js';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** How a service database waits for locks held by other processes (a backup, an operator's sqlite3...). */
export interface DatabaseSettings {
  /**
   * Longest one statement waits for another process's lock (default 20 ms). better-sqlite3 is synchronous:
   * this wait blocks the event loop, so it stays short.
   */
  busyTimeoutMs?: number;
  /**
   * Longest a transaction keeps trying, between attempts without blocking, while the database stays locked
   * (default 2000 ms); then DatabaseBusyError (503 database_busy).
   */
  lockWaitMs?: number;
  /** How long readiness reuses the result of its write probe (default 5000 ms). */
  writeProbeIntervalMs?: number;
  /**
   * SQLite's `synchronous` in WAL mode (default NORMAL). FULL syncs the WAL to disk at every commit: a
   * committed transaction survives a power loss. NORMAL syncs only at checkpoints: a committed
   * transaction survives a crash of the process (the WAL is in the OS's cache), but a power loss or an OS
   * crash may undo the transactions committed since the last checkpoint (the database stays consistent).
   * GROUPED: NORMAL, plus `syncToDisk(db)`, which the platform awaits wherever a commit could be seen
   * outside the process (an HTTP answer, a call to another service, a published event, an acknowledged
   * one): what FULL guarantees, with one fsync for many commits, off the event loop (WalSync).
   * Per database: docs/performance.md#sqlite-durability-per-database.
   */
  synchronous?: 'FULL' | 'NORMAL' | 'GROUPED';
}

type ResolvedSettings = Required<DatabaseSettings>;

export const DEFAULT_DATABASE_SETTINGS: Readonly<ResolvedSettings> = Object.freeze({
  synchronous: 'NORMAL',
  busyTimeoutMs: 20,
  lockWaitMs: 2_000,
  writeProbeIntervalMs: 5_000,
});

const settingsOf = new WeakMap<Db, ResolvedSettings>();
const walSyncs = new WeakMap<Db, WalSync>();

/**
 * Resolves once every commit made so far on `db` is on disk, for a database opened with `synchronous:
 * 'GROUPED'` (at once for the others: FULL synced at commit, NORMAL does not promise it).
 */
export function syncToDisk(db: Db): Promise<void> {
  return walSyncs.get(db)?.sync() ?? Promise.resolve();
}

/** The group-commit state of a GROUPED database (tests). */
export function walSyncOf(db: Db): WalSync | undefined {
  return walSyncs.get(db);
}

function databaseSettings(db: Db): ResolvedSettings {
  return settingsOf.get(db) ?? DEFAULT_DATABASE_SETTINGS;
}

/**
 * Opens a service database: WAL (readers never block the writer), a short busy timeout, `synchronous` as
 * set (see DatabaseSettings), foreign keys on; then applies pending migrations.
 */
export function openDatabase(
  file: string,
  migrations: Migration[] = [],
  settings: DatabaseSettings = {},
): Db {
  if (file !== ':memory:') restrictDataFile(file);
  const resolved: ResolvedSettings = { ...DEFAULT_DATABASE_SETTINGS, ...settings };
  const db = new Database(file, { timeout: resolved.busyTimeoutMs });
  settingsOf.set(db, resolved);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`synchronous = ${resolved.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  if (resolved.synchronous === 'GROUPED' && file !== ':memory:') {
    const walSync = new WalSync(db, `${resolve(file)}-wal`);
    walSyncs.set(db, walSync);
    // Whoever closes the database (shutdown, a test, a CLI), the WAL's descriptor WalSync keeps goes with it.
    const closeDatabase = db.close.bind(db);
    db.close = () => {
      walSync.close();
      return closeDatabase();
    };
  }
  migrate(db, migrations);
  return db;
}

/** Applies each not-yet-applied migration in its own transaction, in version order. */
export function migrate(db: Db, migrations: Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (row) => row.version,
    ),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name);
    })();
  }
}

/** Readiness detail: the database answers, every migration is applied, and a write succeeds. */
export function checkDatabase(db: Db, migrations: Migration[]): { ok: boolean; detail?: string } {
  try {
    const row = db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    const expected = migrations.length;
    if (row.n < expected) return { ok: false, detail: `migrations ${row.n}/${expected}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  return probeWrite(db);
}

const probes = new WeakMap<Db, { at: number; result: { ok: boolean; detail?: string } }>();

/**
 * Writes one row in one transaction, as every change of the service does: a file that cannot be written
 * (read-only, disk full, locked by another process) fails it. The result is reused for
 * `writeProbeIntervalMs`, so frequent readiness polls cost one write per interval.
 */
export function probeWrite(db: Db): { ok: boolean; detail?: string } {
  const { writeProbeIntervalMs } = databaseSettings(db);
  const cached = probes.get(db);
  if (cached && Date.now() - cached.at < writeProbeIntervalMs) return cached.result;
  let result: { ok: boolean; detail?: string };
  try {
    db.transaction(() => {
      db.exec(
        'CREATE TABLE IF NOT EXISTS platform_write_probe (id INTEGER PRIMARY KEY CHECK (id = 1), probed_at TEXT NOT NULL)',
      );
      db.prepare(
        'INSERT INTO platform_write_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at',
      ).run(new Date().toISOString());
    }).immediate();
    result = { ok: true };
  } catch (error) {
    const busy = isSqliteBusy(error);
    result = {
      ok: false,
      detail: `cannot write: ${busy ? 'locked by another process' : (error as Error).message}`,
    };
  }
  probes.set(db, { at: Date.now(), result });
  return result;
}

/**
 * Loads numbered SQL migrations (`001_create_customers.sql`, ...) from the `migrations/` folder at the root
 * of the package that contains `moduleUrl` (found by walking up to its package.json), so the same call works
 * from src/ under vitest and from dist/ at run time.
 */
export function loadMigrations(moduleUrl: string): Migration[] {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
  const folder = join(dir, 'migrations');
  return readdirSync(folder)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .map((file) => {
      const match = /^(\d+)_(.+)\.sql$/.exec(file) as RegExpExecArray;
      return {
        version: Number(match[1]),
        name: match[2] ?? file,
        sql: readFileSync(join(folder, file), 'utf8'),
      };
    })
    .sort((a, b) => a.version - b.version);
}

export { Database };

/** Runs `work` (synchronous better-sqlite3 work) in one transaction. */
export type Transactor = <T>(work: () => T) => Promise<T>;

/** SQLITE_BUSY and SQLITE_LOCKED, with their extended codes: another connection holds a lock. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}

/**
 * BEGIN IMMEDIATE transactions: the write lock is taken before the first read, so a read-then-write never
 * races another writer, and a lock held by another process can only stop the transaction at BEGIN, before
 * `work` ran. Then it tries again after a pause that does not block the event loop (10 ms doubling to 200 ms),
 * until `lockWaitMs` has passed, and rejects with DatabaseBusyError (503 database_busy, Retry-After).
 *
 * Inside another transaction (an event handler's inbox one) it runs at once as a savepoint of it; `work`'s
 * error is then thrown, not returned as a rejection, so that it rolls the outer transaction back too.
 */
export function immediateTransactor(db: Db): Transactor {
  const run = <T>(work: () => T): Promise<T> => {
    if (db.inTransaction) return Promise.resolve(db.transaction(work)());
    return runRetrying(db, () => db.transaction(work).immediate());
  };
  return run;
}

/**
 * Resolves once the database can take the write lock (tried and released at once), waiting without blocking
 * while another process holds it, for at most `lockWaitMs`; then rejects with DatabaseBusyError. Writes that
 * follow synchronously then find it free, unless another process takes it in between (they then wait up to
 * `busyTimeoutMs`, and fail with SQLITE_BUSY: 503 database_busy).
 */
export function waitUntilWritable(db: Db): Promise<void> {
  if (db.inTransaction || db.readonly) return Promise.resolve();
  return runRetrying(db, () => {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
  });
}

/**
 * Runs synchronous database work, trying again without blocking while another process holds the lock, for
 * at most `lockWaitMs` (DatabaseSettings); then rejects with DatabaseBusyError. For work that is safe to run
 * again after SQLITE_BUSY: a transaction (rolled back) or a single statement (not applied).
 */
export function runRetrying<T>(db: Db, work: () => T): Promise<T> {
  return retryWhileLocked(work, databaseSettings(db).lockWaitMs);
}

/** runRetrying for any better-sqlite3 handle: pauses of 10 ms doubling to 200 ms, `lockWaitMs` in all. */
export async function retryWhileLocked<T>(work: () => T, lockWaitMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return work();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      const waited = Date.now() - started;
      if (waited >= lockWaitMs) throw new DatabaseBusyError(waited, error);
      await sleep(Math.min(200, 10 * 2 ** (attempt - 1), Math.max(1, lockWaitMs - waited)));
    }
  }
}
