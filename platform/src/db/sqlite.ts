import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Opens a service database: WAL (readers never block the writer), a busy timeout for the rare
 * cross-process writer (the embedded event bus), foreign keys on; then applies pending migrations.
 */
export function openDatabase(file: string, migrations: Migration[] = []): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
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

/** Readiness detail: the database answers and every migration is applied. */
export function checkDatabase(db: Db, migrations: Migration[]): { ok: boolean; detail?: string } {
  try {
    db.prepare('SELECT 1').get();
    const row = db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    const expected = migrations.length;
    return row.n >= expected ? { ok: true } : { ok: false, detail: `migrations ${row.n}/${expected}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
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

/** Runs `work` in one transaction. */
export type Transactor = <T>(work: () => T) => T;

/**
 * BEGIN IMMEDIATE transactions: the write lock is taken before the first read, so a read-then-write never races
 * another writer. Inside an event handler's inbox transaction it becomes a savepoint of that transaction.
 */
export function immediateTransactor(db: Db): Transactor {
  return <T>(work: () => T): T => db.transaction(work).immediate();
}
