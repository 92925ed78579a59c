import { afterEach, describe, expect, test } from 'vitest';
import { holdWriteLock, request, type HeldWriteLock } from '@shop/platform/tools/testing';
import type { Product } from '../src/domain/product.js';
import {
  adminToken,
  createProduct,
  startInventory,
  uniqueSku,
  type RunningInventory,
} from './support/inventory-app.js';

function newProduct() {
  return { sku: uniqueSku(), name: 'Lamp', description: 'A lamp', priceCents: 2500, stock: 5 };
}

describe('inventory-service while another process holds its database', () => {
  let inventory: RunningInventory | undefined;
  let held: HeldWriteLock | undefined;

  afterEach(async () => {
    await held?.release();
    held = undefined;
    await inventory?.close();
    inventory = undefined;
  });

  test('When the lock is held for a moment, then a write waits without freezing the service: liveness and reads answer meanwhile, and the write succeeds after the release', async () => {
    inventory = await startInventory({ env: { DB_LOCK_WAIT_MS: '10000' } });
    const existing = await createProduct(inventory.url);
    held = await holdWriteLock(inventory.file);
    const answered: string[] = [];

    const writing = request<Product>(inventory.url, 'POST', '/api/products', {
      token: adminToken,
      body: newProduct(),
    }).then((res) => {
      answered.push('write');
      return res;
    });
    const live = await request(inventory.url, 'GET', '/health/live');
    answered.push('live');
    const read = await request<Product>(inventory.url, 'GET', `/api/products/${existing.id}`);
    answered.push('read');
    await held.release();
    held = undefined;
    const written = await writing;

    expect(live.status).toBe(200);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(existing.id);
    expect(written.status).toBe(201);
    expect(answered).toEqual(['live', 'read', 'write']);
  });

  test('When the lock persists, then writes answer 503 database_busy with Retry-After and change nothing, readiness fails, and all recovers after the release', async () => {
    inventory = await startInventory({ env: { DB_LOCK_WAIT_MS: '300', DB_WRITE_PROBE_INTERVAL_MS: '0' } });
    const product = await createProduct(inventory.url, { stock: 7 });
    held = await holdWriteLock(inventory.file);

    const created = await request(inventory.url, 'POST', '/api/products', {
      token: adminToken,
      body: newProduct(),
    });
    const restocked = await request(inventory.url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: 3 },
    });
    const ready = await request(inventory.url, 'GET', '/health/ready');

    for (const res of [created, restocked]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({ error: { code: 'database_busy' } });
    }
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status: 'not_ready',
      checks: { db: { ok: false, detail: 'cannot write: locked by another process' } },
    });

    await held.release();
    held = undefined;
    const list = await request<{ data: Product[] }>(inventory.url, 'GET', '/api/products?limit=100');
    expect(list.body.data.map((p) => p.id)).toEqual([product.id]);
    expect(list.body.data[0]?.stock).toBe(7);
    expect((await request(inventory.url, 'GET', '/health/ready')).status).toBe(200);
    const again = await request(inventory.url, 'POST', '/api/products', {
      token: adminToken,
      body: newProduct(),
    });
    expect(again.status).toBe(201);
  });
});
