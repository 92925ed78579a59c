import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { DEMO_CATALOG, seedDemoCatalog } from '../src/data/demo-catalog.js';
import type { Product } from '../src/domain/product.js';
import { adminToken, startInventory, type RunningInventory } from './support/inventory-app.js';

let inventory: RunningInventory | undefined;

afterEach(async () => {
  await inventory?.close();
  inventory = undefined;
});

describe('Demo catalog', () => {
  test('When seeded on a new database, then products 1..12 exist and product 1 has plenty of stock', async () => {
    inventory = await startInventory({ seedDemoCatalog: true });
    const list = await request<{ data: Product[]; pagination: { total: number } }>(
      inventory.url,
      'GET',
      '/api/products?limit=100',
    );
    const first = await request<Product>(inventory.url, 'GET', '/api/products/1');

    expect(list.body.pagination.total).toBe(12);
    expect(list.body.data.map((p) => p.id)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(first.body).toMatchObject({ id: 1, name: DEMO_CATALOG[0]?.name, currency: 'USD' });
    expect(first.body.stock).toBeGreaterThanOrEqual(100);
  });

  test('When the catalog was seeded or emptied by an admin, then seeding again writes nothing', async () => {
    inventory = await startInventory({ seedDemoCatalog: true });
    expect(seedDemoCatalog(inventory.db)).toBe(0);

    for (let id = 1; id <= 12; id++) {
      await request(inventory.url, 'DELETE', `/api/products/${id}`, { token: adminToken });
    }
    expect(seedDemoCatalog(inventory.db)).toBe(0);
    const list = await request<{ pagination: { total: number } }>(inventory.url, 'GET', '/api/products');
    expect(list.body.pagination.total).toBe(0);
  });
});
