import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tempDir } from '@shop/platform/tools/testing';
import type { Product } from '../src/domain/product.js';
import {
  adminToken,
  createProduct,
  serviceToken,
  startInventory,
  type RunningInventory,
} from './support/inventory-app.js';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './support/private-redis.js';

interface ProductList {
  data: Product[];
  pagination: { page: number; limit: number; total: number };
}

/** The value of one series on /metrics (0 when absent), e.g. metric(url, 'product_cache_hits_total', 'kind="item"'). */
async function metric(url: string, name: string, label = ''): Promise<number> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function reprice(url: string, product: Product, priceCents: number): Promise<void> {
  const res = await request(url, 'PUT', `/api/products/${product.id}`, {
    token: adminToken,
    body: { sku: product.sku, name: product.name, description: product.description, priceCents },
  });
  expect(res.status).toBe(200);
}

async function priceOf(url: string, id: number): Promise<number> {
  const res = await request<Product>(url, 'GET', `/api/products/${id}`);
  expect(res.status).toBe(200);
  return res.body.priceCents;
}

describe('product reads through the in-process cache', () => {
  let inventory: RunningInventory;
  let url: string;
  beforeAll(async () => {
    inventory = await startInventory();
    url = inventory.url;
  });
  afterAll(() => inventory.close());

  test('When a product is read twice, then the second read is a cache hit with the same body and ETag', async () => {
    const product = await createProduct(url);
    const [hits, misses] = await Promise.all([
      metric(url, 'product_cache_hits_total', 'kind="item"'),
      metric(url, 'product_cache_misses_total', 'kind="item"'),
    ]);

    const first = await request<Product>(url, 'GET', `/api/products/${product.id}`);
    const second = await request<Product>(url, 'GET', `/api/products/${product.id}`);

    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({
      id: product.id,
      priceCents: product.priceCents,
      stock: product.stock,
    });
    expect(first.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await metric(url, 'product_cache_misses_total', 'kind="item"')).toBe(misses + 1);
    expect(await metric(url, 'product_cache_hits_total', 'kind="item"')).toBe(hits + 1);
  });

  test('When If-None-Match carries the current ETag, then 304 without a body; another tag gets 200', async () => {
    const product = await createProduct(url);
    const first = await request(url, 'GET', `/api/products/${product.id}`);
    const etag = first.headers.get('etag') as string;

    const notModified = await request(url, 'GET', `/api/products/${product.id}`, {
      headers: { 'if-none-match': etag },
    });
    const weak = await request(url, 'GET', `/api/products/${product.id}`, {
      headers: { 'if-none-match': `W/${etag}` },
    });
    const other = await request(url, 'GET', `/api/products/${product.id}`, {
      headers: { 'if-none-match': '"something-else"' },
    });

    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(weak.status).toBe(304);
    expect(other.status).toBe(200);
  });

  test('When the price changes, then the next read has the new price and a new ETag, and the old ETag gets 200', async () => {
    const product = await createProduct(url, { priceCents: 1000 });
    const before = await request<Product>(url, 'GET', `/api/products/${product.id}`);
    await reprice(url, product, 1500);

    const after = await request<Product>(url, 'GET', `/api/products/${product.id}`, {
      headers: { 'if-none-match': before.headers.get('etag') as string },
    });

    expect(after.status).toBe(200);
    expect(after.body.priceCents).toBe(1500);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  test('When stock is reserved, released or set, then item and list reads show it at once', async () => {
    const product = await createProduct(url, { stock: 10, name: 'Cache stock probe' });
    const listPath = `/api/products?q=${encodeURIComponent('cache stock probe')}&limit=100`;
    const stockInList = async () =>
      (await request<ProductList>(url, 'GET', listPath)).body.data.find((p) => p.id === product.id)?.stock;
    const stockOfItem = async () =>
      (await request<Product>(url, 'GET', `/api/products/${product.id}`)).body.stock;
    expect([await stockOfItem(), await stockInList()]).toEqual([10, 10]);

    const orderId = randomUUID();
    const reserved = await request(url, 'POST', '/internal/reservations', {
      token: serviceToken,
      body: { orderId, items: [{ productId: product.id, quantity: 3 }] },
    });
    expect(reserved.status).toBe(201);
    expect([await stockOfItem(), await stockInList()]).toEqual([7, 7]);

    const released = await request(url, 'POST', `/internal/reservations/${orderId}/release`, {
      token: serviceToken,
    });
    expect(released.status).toBe(200);
    expect([await stockOfItem(), await stockInList()]).toEqual([10, 10]);

    const set = await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { stock: 4 },
    });
    expect(set.status).toBe(200);
    expect([await stockOfItem(), await stockInList()]).toEqual([4, 4]);
  });

  test('When a product is deleted, then a cached read does not bring it back', async () => {
    const product = await createProduct(url);
    expect((await request(url, 'GET', `/api/products/${product.id}`)).status).toBe(200);
    expect((await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken })).status).toBe(
      204,
    );
    expect((await request(url, 'GET', `/api/products/${product.id}`)).status).toBe(404);
  });

  test('When a change is refused, then nothing is invalidated and the cached answer stays', async () => {
    const product = await createProduct(url, { stock: 1 });
    await request(url, 'GET', `/api/products/${product.id}`);
    const invalidations = await metric(url, 'product_cache_invalidations_total');

    const refused = await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: -5 },
    });

    expect(refused.status).toBe(409);
    expect(await metric(url, 'product_cache_invalidations_total')).toBe(invalidations);
    expect((await request<Product>(url, 'GET', `/api/products/${product.id}`)).body.stock).toBe(1);
  });

  test('When a listing is read again, also spelled with its defaults, then it is a hit and honours If-None-Match', async () => {
    await createProduct(url, { name: 'Listing cache probe' });
    const path = `/api/products?q=${encodeURIComponent('LISTING cache probe')}`;
    const hits = await metric(url, 'product_cache_hits_total', 'kind="list"');

    const first = await request<ProductList>(url, 'GET', path);
    const spelled = await request<ProductList>(
      url,
      'GET',
      `${path.replace('LISTING', 'listing')}&page=1&limit=20`,
    );
    const notModified = await request(url, 'GET', path, {
      headers: { 'if-none-match': first.headers.get('etag') as string },
    });

    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(spelled.body).toEqual(first.body);
    expect(notModified.status).toBe(304);
    expect(await metric(url, 'product_cache_hits_total', 'kind="list"')).toBe(hits + 2);
  });

  test('When product changes commit, then each writes a ProductChanged event in its transaction', async () => {
    const product = await createProduct(url, { priceCents: 700, stock: 2 });
    await reprice(url, product, 800);
    await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: 3 },
    });
    await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken });

    const events = inventory.db
      .prepare<[], { envelope: string }>(
        "SELECT envelope FROM event_outbox WHERE type = 'ProductChanged' ORDER BY rowid",
      )
      .all()
      .map((row) => (JSON.parse(row.envelope) as { data: { productId: number } }).data)
      .filter((data) => data.productId === product.id);
    expect(events).toEqual([
      { productId: product.id, change: 'created', priceCents: 700, stock: 2 },
      { productId: product.id, change: 'updated', priceCents: 800, stock: 2 },
      { productId: product.id, change: 'stock', priceCents: 800, stock: 5 },
      { productId: product.id, change: 'deleted' },
    ]);
  });

  test('When the query is invalid, then 400 and nothing is cached', async () => {
    const misses = await metric(url, 'product_cache_misses_total', 'kind="list"');
    const res = await request(url, 'GET', '/api/products?sort=cheapest');
    expect(res.status).toBe(400);
    expect(await metric(url, 'product_cache_misses_total', 'kind="list"')).toBe(misses);
  });
});

describe('product cache switched off (PRODUCT_CACHE_ENABLED=false)', () => {
  test('When the cache is off, then every read is a miss and still has an ETag', async () => {
    const inventory = await startInventory({ cache: { PRODUCT_CACHE_ENABLED: 'false' } });
    try {
      const product = await createProduct(inventory.url);
      const first = await request(inventory.url, 'GET', `/api/products/${product.id}`);
      const again = await request(inventory.url, 'GET', `/api/products/${product.id}`, {
        headers: { 'if-none-match': first.headers.get('etag') as string },
      });
      expect(again.status).toBe(304);
      expect(await metric(inventory.url, 'product_cache_hits_total', 'kind="item"')).toBe(0);
      expect(await metric(inventory.url, 'product_cache_misses_total', 'kind="item"')).toBe(2);
    } finally {
      await inventory.close();
    }
  });
});

const haveRedis = redisServerInstalled();
if (!haveRedis && process.env.REQUIRE_SERVICES !== '1') {
  console.warn(
    'SKIPPED: product cache Redis tests, redis-server is not installed (set REQUIRE_SERVICES=1 to fail)',
  );
}

describe('product cache in Redis (a private redis-server)', () => {
  test.runIf(!haveRedis && process.env.REQUIRE_SERVICES === '1')('redis-server must be installed', () => {
    expect.fail('redis-server is not installed');
  });

  describe.runIf(haveRedis)('two replicas on one catalogue sharing a Redis', () => {
    let redis: PrivateRedis;
    let dir: ReturnType<typeof tempDir>;
    let a: RunningInventory;
    let b: RunningInventory;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      dir = tempDir('inventory-cache-test-');
      const cache = { PRODUCT_CACHE_URL: redis.url, PRODUCT_CACHE_KEY_PREFIX: 'cache-test' };
      a = await startInventory({ dataDir: dir.path, cache });
      b = await startInventory({ dataDir: dir.path, cache });
      // Each drops what an earlier process left once Redis first answers: wait for both to trust the cache.
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await redis?.kill();
      dir?.cleanup();
    });

    test('When one replica changes a price, then the other reads the new price (shared cache, invalidated)', async () => {
      const product = await createProduct(a.url, { priceCents: 1000 });
      expect(await priceOf(b.url, product.id)).toBe(1000);
      const hits = await metric(b.url, 'product_cache_hits_total', 'kind="item"');
      expect(await priceOf(b.url, product.id)).toBe(1000);
      expect(await metric(b.url, 'product_cache_hits_total', 'kind="item"')).toBe(hits + 1);
      // a's read of the entry b stored is a hit too: one cache for both.
      const aHits = await metric(a.url, 'product_cache_hits_total', 'kind="item"');
      expect(await priceOf(a.url, product.id)).toBe(1000);
      expect(await metric(a.url, 'product_cache_hits_total', 'kind="item"')).toBe(aHits + 1);

      await reprice(a.url, product, 1200);

      expect(await priceOf(b.url, product.id)).toBe(1200);
    });

    test('When Redis hangs, then reads and writes answer from the database, and no stale price comes back after it recovers', async () => {
      const product = await createProduct(a.url, { priceCents: 2000 });
      expect(await priceOf(b.url, product.id)).toBe(2000);
      expect(await priceOf(b.url, product.id)).toBe(2000); // cached in Redis now
      const errorsBefore = await metric(a.url, 'product_cache_errors_total', 'operation="read"');

      redis.pause();
      try {
        expect(await priceOf(a.url, product.id)).toBe(2000);
        await reprice(a.url, product, 2500); // its invalidation cannot reach Redis
        expect(await priceOf(a.url, product.id)).toBe(2500);
        const list = await request<ProductList>(a.url, 'GET', '/api/products?limit=100&sort=-createdAt');
        expect(list.status).toBe(200);
        expect(await metric(a.url, 'product_cache_errors_total', 'operation="read"')).toBeGreaterThan(
          errorsBefore,
        );
        expect(await metric(a.url, 'product_cache_errors_total', 'operation="invalidate"')).toBeGreaterThan(
          0,
        );
      } finally {
        redis.resume();
      }

      // The replica that changed the price never serves the entry it could not invalidate ...
      expect(await priceOf(a.url, product.id)).toBe(2500);
      // ... and delivers the invalidation once Redis answers, so the other replica sees the new price too.
      const end = Date.now() + 5000;
      let seen = await priceOf(b.url, product.id);
      while (seen !== 2500 && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        seen = await priceOf(b.url, product.id);
      }
      expect(seen).toBe(2500);
      expect(
        a
          .logs()
          .some(
            (line) =>
              line.message === 'Product cache unavailable: product reads are served from the database',
          ),
      ).toBe(true);
    });

    test('When Redis is gone, then reads, 304s and writes still answer with no error', async () => {
      const product = await createProduct(a.url, { priceCents: 3000 });
      const first = await request(a.url, 'GET', `/api/products/${product.id}`);
      await redis.kill();

      for (let i = 0; i < 5; i++) expect(await priceOf(a.url, product.id)).toBe(3000);
      const notModified = await request(b.url, 'GET', `/api/products/${product.id}`, {
        headers: { 'if-none-match': first.headers.get('etag') as string },
      });
      expect(notModified.status).toBe(304);
      await reprice(a.url, product, 3100);
      expect(await priceOf(b.url, product.id)).toBe(3100);
      const list = await request<ProductList>(b.url, 'GET', '/api/products');
      expect(list.status).toBe(200);
    });
  });
});
