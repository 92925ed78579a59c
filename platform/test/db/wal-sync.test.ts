import { existsSync, readdirSync, readlinkSync } from 'node:fs';
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

  /** This process's open descriptors of `file` (Linux: /proc/self/fd). */
  function descriptorsOf(file: string): string[] {
    const links: string[] = [];
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target === file || target === `${file} (deleted)`) links.push(target);
      } catch {
        // Closed meanwhile (the descriptor readdir itself used).
      }
    }
    return links;
  }

  test.skipIf(!existsSync('/proc/self/fd'))(
    'When a GROUPED database syncs again and again, across a checkpoint, then it opens its WAL once, and closing the database releases it',
    async () => {
      const db = open('orders-fd.db', 'GROUPED');
      const wal = join(dir.path, 'orders-fd.db-wal');
      const sync = walSyncOf(db);
      const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
      const sqliteOwn = descriptorsOf(wal).length;
      const before = sync?.count ?? 0;
      for (let index = 0; index < 5; index++) {
        insert.run(`item ${index}`);
        await syncToDisk(db);
        expect(descriptorsOf(wal)).toEqual(Array(sqliteOwn + 1).fill(wal));
      }
      // A checkpoint that truncates the WAL keeps the file: the kept descriptor still syncs it.
      db.pragma('wal_checkpoint(TRUNCATE)');
      insert.run('after the checkpoint');
      await syncToDisk(db);
      expect((sync?.count ?? 0) - before).toBe(6);
      expect(descriptorsOf(wal)).toEqual(Array(sqliteOwn + 1).fill(wal));

      // Closed while a sync is in progress: that sync completes, then the descriptor goes.
      insert.run('last');
      const last = syncToDisk(db);
      db.close();
      await expect(last).resolves.toBeUndefined();
      expect(descriptorsOf(wal)).toEqual([]);
    },
  );

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
