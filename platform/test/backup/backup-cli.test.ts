import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/db/sqlite.js';
import { runBackupCli } from '../../src/cli/backup.js';
import { tempDir } from '../../src/testing/index.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function workspace(): { dataDir: string; outDir: string } {
  const dir = tempDir('shop-backup-');
  cleanups.push(() => dir.cleanup());
  return { dataDir: join(dir.path, 'data'), outDir: join(dir.path, 'backups') };
}

const orders = [
  { version: 1, name: 'orders', sql: 'CREATE TABLE orders (id TEXT PRIMARY KEY, total INTEGER NOT NULL)' },
];

function ordersDb(dataDir: string, rows: number): Db {
  const db = openDatabase(join(dataDir, 'order-service.db'), orders);
  const insert = db.prepare('INSERT INTO orders (id, total) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`o-${i}`, i * 100);
  })();
  return db;
}

async function cli(
  argv: string[],
  dataDir?: string,
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runBackupCli(
    argv,
    { DATA_DIR: dataDir },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out, err };
}

const count = (db: Db) => (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;

describe('npm run backup', () => {
  test('When --help is asked, then the usage names every command and option', async () => {
    const result = await cli(['--help']);

    expect(result.code).toBe(0);
    for (const word of [
      'backup',
      'list',
      'restore',
      '--data-dir',
      '--out',
      '--only',
      '--keep',
      '--from',
      '--force',
    ]) {
      expect(result.out.join('\n')).toContain(word);
    }
  });

  test('When a live database is backed up while it is written to, then the copy is consistent and restoring it brings the rows back', async () => {
    const { dataDir, outDir } = workspace();
    const db = ordersDb(dataDir, 20_000);
    openDatabase(join(dataDir, 'customer-service.db')).close();
    // a writer keeps going during the online backup
    const writer = setInterval(
      () =>
        db.prepare('INSERT INTO orders (id, total) VALUES (?, 1)').run(`late-${Date.now()}-${Math.random()}`),
      1,
    );

    const backup = await cli(['backup', '--out', outDir], dataDir);
    clearInterval(writer);

    expect(backup.code, backup.err.join('\n')).toBe(0);
    expect(backup.out.join('\n')).toMatch(/copying order-service\.db 100% \(\d+\/\d+ pages\)/);
    expect(backup.out.find((line) => line.startsWith('Backed up'))).toMatch(
      /^Backed up 2 database\(s\) \(.* MB, integrity ok\) to /,
    );
    const [set] = readdirSync(outDir);
    const manifest = JSON.parse(readFileSync(join(outDir, set ?? '', 'manifest.json'), 'utf8')) as {
      databases: { name: string; sha256: string }[];
    };
    expect(manifest.databases.map((entry) => entry.name)).toEqual(['customer-service', 'order-service']);
    expect(statSync(join(outDir, set ?? '', 'order-service.db')).mode & 0o777).toBe(0o600);

    // disaster: the orders are gone
    db.exec('DELETE FROM orders');
    expect(count(db)).toBe(0);
    db.close();

    const restore = await cli(
      ['restore', '--out', outDir, '--from', 'latest', '--only', 'order-service'],
      dataDir,
    );

    expect(restore.code, restore.err.join('\n')).toBe(0);
    expect(restore.out.at(-1)).toMatch(/^Restored 1 database\(s\) \(order-service\)/);
    const reopened = openDatabase(join(dataDir, 'order-service.db'), orders);
    cleanups.push(() => reopened.close());
    expect(count(reopened)).toBeGreaterThanOrEqual(20_000);
    expect(reopened.prepare('SELECT total FROM orders WHERE id = ?').get('o-19999')).toEqual({
      total: 1_999_900,
    });
    expect(existsSync(join(dataDir, 'order-service.db.before-restore'))).toBe(true);
  });

  test('When the database is still open by its service, then restore refuses and says to stop it first', async () => {
    const { dataDir, outDir } = workspace();
    const db = ordersDb(dataDir, 10);
    cleanups.push(() => db.close());
    expect((await cli(['backup', '--out', outDir], dataDir)).code).toBe(0);
    const [set] = readdirSync(outDir);

    const restore = await cli(['restore', '--from', join(outDir, set ?? '')], dataDir);

    expect(restore.code).toBe(1);
    expect(restore.err.join('\n')).toContain(
      'order-service.db is in use (its -wal/-shm files exist): stop order-service first',
    );
    expect(count(db)).toBe(10);
  });

  test('When a backup file was altered, then restore refuses it and changes nothing', async () => {
    const { dataDir, outDir } = workspace();
    ordersDb(dataDir, 10).close();
    expect((await cli(['backup', '--out', outDir], dataDir)).code).toBe(0);
    const [set] = readdirSync(outDir);
    const copy = join(outDir, set ?? '', 'order-service.db');
    writeFileSync(copy, Buffer.concat([readFileSync(copy), Buffer.from('tampered')]));

    const restore = await cli(['restore', '--from', join(outDir, set ?? '')], dataDir);

    expect(restore.code).toBe(1);
    expect(restore.err.join('\n')).toContain('does not match its checksum in the manifest');
    expect(existsSync(join(dataDir, 'order-service.db.before-restore'))).toBe(false);
  });

  test('When --keep is given, then only the newest sets stay and list shows them', async () => {
    const { dataDir, outDir } = workspace();
    ordersDb(dataDir, 5).close();
    const days = ['2026-12-01', '2026-12-02', '2026-12-03'].map((day) => new Date(`${day}T02:17:00Z`));
    for (const day of days) {
      const out: string[] = [];
      const code = await runBackupCli(
        ['backup', '--out', outDir, '--keep', '2'],
        { DATA_DIR: dataDir },
        { out: (l) => out.push(l), err: (l) => out.push(l) },
        () => day,
      );
      expect(code, out.join('\n')).toBe(0);
    }

    expect(readdirSync(outDir).sort()).toEqual(['2026-12-02T02-17-00-000Z', '2026-12-03T02-17-00-000Z']);
    const list = await cli(['list', '--out', outDir], dataDir);
    expect(list.out.at(-1)).toBe(`2 backup set(s) in ${outDir}`);
  });

  test('When the usage is wrong, then exit code 2 and a message that says what to do', async () => {
    expect((await cli([])).err[0]).toMatch(/^a command is needed: backup, list or restore\n/);
    expect((await cli(['restore'])).err[0]).toContain('restore needs --from <backup set dir>');
    expect((await cli(['backup', '--keep', '0'])).code).toBe(2);
    const { dataDir } = workspace();
    const missing = await cli(['backup', '--only', 'nope'], dataDir);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toContain('does not exist');
  });
});
