import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DatabaseBusyError, databaseFault } from '../../src/db/database-errors.js';
import {
  checkDatabase,
  Database,
  immediateTransactor,
  openDatabase,
  type Db,
  type Migration,
} from '../../src/db/sqlite.js';
import { holdWriteLock, tempDir, type HeldWriteLock } from '../../src/testing/index.js';

const MIGRATIONS: Migration[] = [
  { version: 1, name: 'things', sql: 'CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' },
];

describe('service databases under locks held by other processes', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function database(settings: Parameters<typeof openDatabase>[2] = {}): { db: Db; file: string } {
    const dir = tempDir('db-locks-');
    const file = join(dir.path, 'service.db');
    const db = openDatabase(file, MIGRATIONS, settings);
    cleanups.push(() => dir.cleanup());
    cleanups.push(() => {
      db.close();
    });
    return { db, file };
  }

  async function lock(file: string): Promise<HeldWriteLock> {
    const held = await holdWriteLock(file);
    cleanups.push(() => held.release());
    return held;
  }

  function count(db: Db): number {
    return db.prepare('SELECT COUNT(*) FROM things').pluck().get() as number;
  }

  test('When another process holds the write lock for a while, then a transaction waits without blocking the event loop and commits after the release', async () => {
    const { db, file } = database({ lockWaitMs: 10_000 });
    const held = await lock(file);
    const order: string[] = [];

    const writing = immediateTransactor(db)(() => {
      db.prepare("INSERT INTO things (name) VALUES ('after the lock')").run();
      order.push('committed');
    });
    // Timers still fire while the write waits: the event loop is free.
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push('timer fired');
    expect(count(db)).toBe(0);
    await held.release();
    await writing;

    expect(order).toEqual(['timer fired', 'committed']);
    expect(count(db)).toBe(1);
  });

  test('When the lock outlasts lockWaitMs, then the transaction rejects with DatabaseBusyError (503 database_busy, Retry-After) and writes nothing', async () => {
    const { db, file } = database({ lockWaitMs: 200 });
    await lock(file);
    let ran = false;

    const error: unknown = await immediateTransactor(db)(() => {
      ran = true;
      db.prepare("INSERT INTO things (name) VALUES ('never')").run();
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect(error).toMatchObject({ code: 'database_busy', status: 503, headers: { 'Retry-After': '1' } });
    expect(ran).toBe(false);
    expect(count(db)).toBe(0);
  });

  test('When a transactor runs inside another transaction, then its error is thrown at once and rolls the outer one back', () => {
    const { db } = database();
    const transaction = immediateTransactor(db);

    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO things (name) VALUES ('outer')").run();
        void transaction(() => {
          throw new Error('inner failed');
        });
      })(),
    ).toThrow('inner failed');
    expect(count(db)).toBe(0);
  });

  test('When the database cannot be written, then readiness fails and says why; a writable one is ready', () => {
    const { db, file } = database();
    expect(checkDatabase(db, MIGRATIONS)).toEqual({ ok: true });

    const readOnly = new Database(file, { readonly: true });
    cleanups.push(() => {
      readOnly.close();
    });

    expect(checkDatabase(readOnly, MIGRATIONS)).toEqual({
      ok: false,
      detail: expect.stringMatching(/^cannot write: .*readonly/) as unknown,
    });
  });

  test('When another process holds the write lock, then readiness fails; the result is reused for writeProbeIntervalMs', async () => {
    const { db, file } = database({ writeProbeIntervalMs: 60_000 });
    const held = await lock(file);

    expect(checkDatabase(db, MIGRATIONS)).toEqual({
      ok: false,
      detail: 'cannot write: locked by another process',
    });
    await held.release();
    expect(checkDatabase(db, MIGRATIONS)).toMatchObject({ ok: false });

    const fresh = database({ writeProbeIntervalMs: 0 });
    const freshLock = await lock(fresh.file);
    expect(checkDatabase(fresh.db, MIGRATIONS)).toMatchObject({ ok: false });
    await freshLock.release();
    expect(checkDatabase(fresh.db, MIGRATIONS)).toEqual({ ok: true });
  });

  test('When SQLite reports a lock or an unusable file, then it means 503 database_busy or database_unavailable; other SQLite errors stay 500', () => {
    const sqliteError = (code: string) => Object.assign(new Error(code), { code });

    expect(databaseFault(sqliteError('SQLITE_BUSY'))).toMatchObject({ code: 'database_busy', status: 503 });
    expect(databaseFault(sqliteError('SQLITE_LOCKED_SHAREDCACHE'))).toMatchObject({ code: 'database_busy' });
    expect(databaseFault(sqliteError('SQLITE_READONLY'))).toMatchObject({
      code: 'database_unavailable',
      status: 503,
      headers: { 'Retry-After': '5' },
    });
    expect(databaseFault(sqliteError('SQLITE_FULL'))).toMatchObject({ code: 'database_unavailable' });
    expect(databaseFault(sqliteError('SQLITE_IOERR_WRITE'))).toMatchObject({ code: 'database_unavailable' });
    expect(databaseFault(sqliteError('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined();
    expect(databaseFault(new Error('not SQLite'))).toBeUndefined();
  });
});
