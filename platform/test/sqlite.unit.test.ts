import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkDatabase, openDatabase, type Migration } from '../src/runtime/index.js';
import { tempDir } from '../src/testing/index.js';

const migrations: Migration[] = [
  {
    version: 1,
    name: 'create_items',
    sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
  },
  {
    version: 2,
    name: 'add_price',
    sql: 'ALTER TABLE items ADD COLUMN price_cents INTEGER NOT NULL DEFAULT 0',
  },
];

describe('openDatabase', () => {
  test('When opened twice, then migrations apply once, in order, and WAL is on', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'x.db');
      const first = openDatabase(file, migrations);
      first.prepare('INSERT INTO items (name, price_cents) VALUES (?, ?)').run('pen', 150);
      first.close();
      const second = openDatabase(file, migrations);
      expect(second.prepare('SELECT name, price_cents FROM items').all()).toEqual([
        { name: 'pen', price_cents: 150 },
      ]);
      expect(second.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(checkDatabase(second, migrations)).toEqual({ ok: true });
      expect(checkDatabase(second, [...migrations, { version: 3, name: 'x', sql: '' }]).ok).toBe(false);
      second.close();
    } finally {
      dir.cleanup();
    }
  });

  test('When a migration fails, then it is rolled back and not recorded', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'y.db');
      const broken = [
        migrations[0]!,
        { version: 2, name: 'broken', sql: 'ALTER TABLE nope ADD COLUMN x INTEGER' },
      ];
      expect(() => openDatabase(file, broken)).toThrowError(/nope/);
      const db = openDatabase(file, [migrations[0]!]);
      expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
      db.close();
    } finally {
      dir.cleanup();
    }
  });

  test('When a database asks for FULL, then every commit is synced (synchronous 2); otherwise NORMAL (1)', () => {
    const dir = tempDir();
    try {
      const normal = openDatabase(join(dir.path, 'notifications.db'), migrations);
      const full = openDatabase(join(dir.path, 'payments.db'), migrations, { synchronous: 'FULL' });
      expect(normal.pragma('synchronous', { simple: true })).toBe(1);
      expect(full.pragma('synchronous', { simple: true })).toBe(2);
      expect(full.pragma('journal_mode', { simple: true })).toBe('wal');
      normal.close();
      full.close();
    } finally {
      dir.cleanup();
    }
  });
});
