import { afterEach, describe, expect, test } from 'vitest';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabases } from '../../src/backup/sqlite-backup.js';
import { openDatabase } from '../../src/db/sqlite.js';
import { EmbeddedTransport } from '../../src/events/embedded-transport.js';
import { tempDir } from '../../src/testing/index.js';
import { captureLogger } from '../../src/testing/index.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('Attack: another local user reads the SQLite files (password hashes, orders, payments)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir.cleanup());

  test('When a service creates its database, then the data directory is 0700 and every file 0600 (WAL and SHM too)', () => {
    dir = tempDir();
    const dataDir = join(dir.path, 'data');
    const db = openDatabase(join(dataDir, 'customer-service.db'));
    db.exec('CREATE TABLE t (x TEXT)');
    db.prepare('INSERT INTO t VALUES (?)').run('secret');
    expect(modeOf(dataDir)).toBe(0o700);
    for (const file of ['customer-service.db', 'customer-service.db-wal', 'customer-service.db-shm']) {
      expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    }
    db.close();
  });

  test('When a database and its directory were created readable by others, then opening it tightens both', () => {
    dir = tempDir();
    const dataDir = join(dir.path, 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const file = join(dataDir, 'order-service.db');
    openDatabase(file).close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-journal`, '');
    chmodSync(`${file}-journal`, 0o644);
    openDatabase(file).close();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(`${file}-journal`)).toBe(0o600);
  });

  test('When the embedded event queue is created, then its file is 0600', async () => {
    dir = tempDir();
    const file = join(dir.path, 'bus', 'events.db');
    const { logger } = captureLogger('probe');
    const transport = new EmbeddedTransport({
      file,
      logger,
      registry: createMetricsRegistry('probe', { collectDefault: false }),
    });
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(dir.path, 'bus'))).toBe(0o700);
    await transport.close();
  });

  test('When a backup is taken, then its set directory is 0700 and its files 0600', async () => {
    dir = tempDir();
    const dataDir = join(dir.path, 'data');
    const db = openDatabase(join(dataDir, 'payment-service.db'));
    db.exec('CREATE TABLE t (x TEXT)');
    db.close();
    const { dir: set } = await backupDatabases({ dataDir, outDir: join(dir.path, 'backups') });
    expect(modeOf(set)).toBe(0o700);
    expect(modeOf(join(set, 'payment-service.db'))).toBe(0o600);
    expect(modeOf(join(set, 'manifest.json'))).toBe(0o600);
  });
});
