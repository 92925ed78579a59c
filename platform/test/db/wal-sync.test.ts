import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase, syncToDisk, walSyncOf, type Db } from '../../src/runtime/index.js';
import { tempDir } from '../../src/testing/index.js';

const migrations = [
  { version: 1, name: 'items', sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)' },
];

describe('GROUPED databases: commits synced in groups before they are seen', () => {
  const dir = tempDir('wal-sync-');
  const opened: Db[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
  });

  function open(name: string, synchronous: 'GROUPED' | 'NORMAL' | 'FULL'): Db {
    const db = openDatabase(join(dir.path, name), migrations, { synchronous });
    opened.push(db);
    return db;
  }

  test('When 50 requests commit and wait at once, then one or two fsyncs serve them all, and none when nothing changed', async () => {
    const db = open('orders.db', 'GROUPED');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    const sync = walSyncOf(db);
    expect(sync).toBeDefined();
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const before = sync?.count ?? 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => {
        insert.run(`item ${index}`);
        return syncToDisk(db);
      }),
    );
    const used = (sync?.count ?? 0) - before;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThanOrEqual(2);

    await syncToDisk(db);
    expect((sync?.count ?? 0) - before).toBe(used);
    insert.run('one more');
    await syncToDisk(db);
    expect((sync?.count ?? 0) - before).toBe(used + 1);
  });

  test('When a commit lands while a sync is in progress, then its caller waits for the next sync, not that one', async () => {
    const db = open('payments.db', 'GROUPED');
    const sync = walSyncOf(db);
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const before = sync?.count ?? 0;
    insert.run('first');
    const first = syncToDisk(db);
    insert.run('second');
    const second = syncToDisk(db);
    const third = syncToDisk(db);
    await Promise.all([first, second, third]);
    // The first sync may have started before 'second' was committed: the second and third share one more.
    expect((sync?.count ?? 0) - before).toBe(2);
  });

  test('When the database is NORMAL or FULL, then syncToDisk has nothing to do', async () => {
    for (const [name, level] of [
      ['notifications.db', 'NORMAL'],
      ['ledger.db', 'FULL'],
    ] as const) {
      const db = open(name, level);
      expect(walSyncOf(db)).toBeUndefined();
      await expect(syncToDisk(db)).resolves.toBeUndefined();
    }
  });
});
