import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runBackupCli } from '@shop/platform/tools/backup';
import { request, tempDir } from '@shop/platform/tools/testing';
import type { Product } from '../src/domain/product.js';
import {
  adminToken,
  createProduct,
  startInventory,
  stockOf,
  type RunningInventory,
} from './support/inventory-app.js';

let inventory: RunningInventory | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await inventory?.close();
  inventory = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function backupCli(argv: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runBackupCli(
    argv,
    {},
    { out: (line) => lines.push(line), err: (line) => lines.push(line) },
  );
  return { code, output: lines.join('\n') };
}

describe('Backup and restore of the inventory database', () => {
  test('When the catalog is backed up while the service runs and later lost, then restoring the backup brings the products and stock back', async () => {
    const dir = tempDir('inventory-backup-');
    cleanups.push(() => dir.cleanup());
    const dataDir = join(dir.path, 'data');
    const backups = join(dir.path, 'backups');
    inventory = await startInventory({ dataDir });
    const kept = await createProduct(inventory.url, { name: 'Kept lamp', stock: 7 });

    const backup = await backupCli(['backup', '--data-dir', dataDir, '--out', backups]);
    expect(backup.code, backup.output).toBe(0);
    // after the backup: a product deleted, stock sold
    await request(inventory.url, 'DELETE', `/api/products/${kept.id}`, { token: adminToken });
    const later = await createProduct(inventory.url, { name: 'Made after the backup' });
    await inventory.close();
    inventory = undefined;

    const restore = await backupCli(['restore', '--data-dir', dataDir, '--out', backups, '--from', 'latest']);
    expect(restore.code, restore.output).toBe(0);
    inventory = await startInventory({ dataDir });

    const found = await request<Product>(inventory.url, 'GET', `/api/products/${kept.id}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ name: 'Kept lamp' });
    expect(await stockOf(inventory.url, kept.id)).toBe(7);
    expect((await request(inventory.url, 'GET', `/api/products/${later.id}`)).status).toBe(404);
  });

  test('When the service still has the database open, then restore refuses and the data is untouched', async () => {
    const dir = tempDir('inventory-backup-');
    cleanups.push(() => dir.cleanup());
    const dataDir = join(dir.path, 'data');
    const backups = join(dir.path, 'backups');
    // The embedded event queue elsewhere: this is about the inventory database being held.
    inventory = await startInventory({ dataDir, env: { EVENT_BUS_FILE: join(dir.path, 'events.db') } });
    const product = await createProduct(inventory.url, { stock: 3 });
    expect((await backupCli(['backup', '--data-dir', dataDir, '--out', backups])).code).toBe(0);

    const restore = await backupCli(['restore', '--data-dir', dataDir, '--out', backups, '--from', 'latest']);

    expect(restore.code).toBe(1);
    expect(restore.output).toContain('stop inventory-service first');
    expect(await stockOf(inventory.url, product.id)).toBe(3);
  });
});
