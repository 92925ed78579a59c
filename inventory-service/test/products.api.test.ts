import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Product } from '../src/domain/product.js';
import {
  adminToken,
  createProduct,
  customerToken,
  serviceToken,
  startInventory,
  stockOf,
  uniqueSku,
  type RunningInventory,
} from './support/inventory-app.js';

interface ProductList {
  data: Product[];
  pagination: { page: number; limit: number; total: number };
}

let inventory: RunningInventory;
let url: string;

beforeAll(async () => {
  inventory = await startInventory();
  url = inventory.url;
});
afterAll(async () => {
  await inventory.close();
});

/** A word no other test uses, so a `q` search sees only this test's products. */
function tag(): string {
  return `tag${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

describe('GET /api/products', () => {
  test('When anonymous, then 200 with data and pagination (defaults page 1, limit 20)', async () => {
    await createProduct(url);
    const res = await request<ProductList>(url, 'GET', '/api/products');
    expect(res.status).toBe(200);
    expect(res.body.pagination).toMatchObject({ page: 1, limit: 20 });
    expect(res.body.pagination.total).toBeGreaterThanOrEqual(1);
    const [first] = res.body.data;
    expect(Number.isInteger(first?.id)).toBe(true);
    expect(Number.isInteger(first?.priceCents)).toBe(true);
    expect(first?.currency).toBe('USD');
  });

  test('When paging through a search, then pages split the matches and total counts all of them', async () => {
    const word = tag();
    for (let i = 0; i < 5; i++) await createProduct(url, { name: `Paged ${word} ${i}` });

    const first = await request<ProductList>(url, 'GET', `/api/products?q=${word}&limit=2&page=1`);
    const third = await request<ProductList>(url, 'GET', `/api/products?q=${word}&limit=2&page=3`);
    const beyond = await request<ProductList>(url, 'GET', `/api/products?q=${word}&limit=2&page=4`);

    expect(first.body.data.map((p) => p.name)).toEqual([`Paged ${word} 0`, `Paged ${word} 1`]);
    expect(first.body.pagination).toEqual({ page: 1, limit: 2, total: 5 });
    expect(third.body.data.map((p) => p.name)).toEqual([`Paged ${word} 4`]);
    expect(beyond.status).toBe(200);
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.pagination.total).toBe(5);
  });

  test('When q is given, then name and description match case-insensitively (also beyond ASCII)', async () => {
    const word = tag();
    const inName = await createProduct(url, { name: `Lamp ${word.toUpperCase()}` });
    const inDescription = await createProduct(url, { description: `Contains ${word} somewhere` });
    const accented = await createProduct(url, { name: `CAFÉ ${word}` });
    await createProduct(url, { name: 'Unrelated' });

    const res = await request<ProductList>(url, 'GET', `/api/products?q=${word}`);
    const accentRes = await request<ProductList>(
      url,
      'GET',
      `/api/products?q=${encodeURIComponent(`café ${word}`)}`,
    );

    expect(res.body.data.map((p) => p.id).sort((a, b) => a - b)).toEqual(
      [inName.id, inDescription.id, accented.id].sort((a, b) => a - b),
    );
    expect(accentRes.body.data.map((p) => p.id)).toEqual([accented.id]);
  });

  test('When q contains LIKE wildcards, then they match literally', async () => {
    const word = tag();
    await createProduct(url, { name: `${word} 100% cotton` });
    await createProduct(url, { name: `${word} 100 cotton` });
    const res = await request<ProductList>(
      url,
      'GET',
      `/api/products?q=${encodeURIComponent(`${word} 100%`)}`,
    );
    expect(res.body.data.map((p) => p.name)).toEqual([`${word} 100% cotton`]);
  });

  test.each([
    ['name', ['Alpha', 'bravo', 'Charlie']],
    ['-name', ['Charlie', 'bravo', 'Alpha']],
    ['price', ['bravo', 'Charlie', 'Alpha']],
    ['-price', ['Alpha', 'Charlie', 'bravo']],
    ['createdAt', ['Charlie', 'Alpha', 'bravo']],
    ['-createdAt', ['bravo', 'Alpha', 'Charlie']],
  ])('When sort=%s, then products come in that order', async (sort, expected) => {
    const word = tag();
    await createProduct(url, { name: 'Charlie', description: word, priceCents: 200 });
    await createProduct(url, { name: 'Alpha', description: word, priceCents: 300 });
    await createProduct(url, { name: 'bravo', description: word, priceCents: 100 });
    const res = await request<ProductList>(url, 'GET', `/api/products?q=${word}&sort=${sort}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p) => p.name)).toEqual(expected);
  });

  test.each([
    'page=0',
    'page=-1',
    'page=abc',
    'page=1.5',
    'page=',
    'page=1e2',
    'limit=0',
    'limit=101',
    'limit=ten',
    'sort=stock',
    'sort=name;DROP TABLE products',
    `q=${'x'.repeat(101)}`,
    'page=1&page=2',
    'color=red',
  ])('When the query is %s, then 400 validation_failed', async (query) => {
    const res = await request<{ error: { code: string; details: unknown } }>(
      url,
      'GET',
      `/api/products?${query}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(expect.any(Array));
  });
});

describe('GET /api/products/:id', () => {
  test('When the product exists, then 200 with it', async () => {
    const product = await createProduct(url, { name: 'Lookup', priceCents: 4321, stock: 3 });
    const res = await request<Product>(url, 'GET', `/api/products/${product.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(product);
  });

  test('When the id is unknown, then 404', async () => {
    const res = await request(url, 'GET', '/api/products/999999');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });

  test.each(['0', '-1', 'abc', '1.5', '01', '9999999999999999999'])(
    'When the id is %s, then 400',
    async (id) => {
      const res = await request(url, 'GET', `/api/products/${id}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    },
  );
});

describe('POST /api/products', () => {
  test('When an admin creates a product, then 201 with Location, and it can be read back', async () => {
    const sku = uniqueSku();
    const res = await request<Product>(url, 'POST', '/api/products', {
      token: adminToken,
      body: {
        sku,
        name: '  Trimmed name ',
        description: 'Desc',
        priceCents: 2500,
        currency: 'USD',
        stock: 7,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      sku,
      name: 'Trimmed name',
      priceCents: 2500,
      currency: 'USD',
      stock: 7,
    });
    expect(res.headers.get('location')).toBe(`/api/products/${res.body.id}`);
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    expect((await request(url, 'GET', `/api/products/${res.body.id}`)).body).toEqual(res.body);
  });

  test('When the SKU already exists, then 409 sku_taken', async () => {
    const existing = await createProduct(url);
    const res = await request(url, 'POST', '/api/products', {
      token: adminToken,
      body: { sku: existing.sku, name: 'Dup', priceCents: 100 },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'sku_taken' } });
  });

  test.each([
    ['a missing name', { priceCents: 100 }],
    ['a zero price', { name: 'x', priceCents: 0 }],
    ['a fractional price', { name: 'x', priceCents: 10.5 }],
    ['a price as string', { name: 'x', priceCents: '100' }],
    ['a negative stock', { name: 'x', priceCents: 100, stock: -1 }],
    ['another currency', { name: 'x', priceCents: 100, currency: 'EUR' }],
    ['an unknown field', { name: 'x', priceCents: 100, id: 5 }],
    ['a blank name', { name: '   ', priceCents: 100 }],
  ])('When the body has %s, then 400', async (_case, body) => {
    const res = await request(url, 'POST', '/api/products', {
      token: adminToken,
      body: { sku: uniqueSku(), ...body },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  test('When a customer creates a product, then 403; anonymous 401; nothing is created', async () => {
    const sku = uniqueSku();
    const body = { sku, name: 'Forbidden', priceCents: 100 };
    const asCustomer = await request(url, 'POST', '/api/products', { token: customerToken, body });
    const anonymous = await request(url, 'POST', '/api/products', { body });
    expect(asCustomer.status).toBe(403);
    expect(anonymous.status).toBe(401);
    const search = await request<ProductList>(url, 'GET', `/api/products?q=forbidden`);
    expect(search.body.data.filter((p) => p.sku === sku)).toEqual([]);
  });
});

describe('PUT /api/products/:id', () => {
  test('When an admin replaces a product, then every editable field changes and stock stays', async () => {
    const product = await createProduct(url, { description: 'old', stock: 4 });
    const sku = uniqueSku();
    const res = await request<Product>(url, 'PUT', `/api/products/${product.id}`, {
      token: adminToken,
      body: { sku, name: 'Renamed', priceCents: 999 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: product.id,
      sku,
      name: 'Renamed',
      description: '',
      priceCents: 999,
      stock: 4,
    });
    expect(res.body.createdAt).toBe(product.createdAt);
  });

  test('When the body carries stock, then 400 (stock changes go through PATCH /stock)', async () => {
    const product = await createProduct(url);
    const res = await request(url, 'PUT', `/api/products/${product.id}`, {
      token: adminToken,
      body: { sku: product.sku, name: 'x', priceCents: 100, stock: 1000 },
    });
    expect(res.status).toBe(400);
    expect(await stockOf(url, product.id)).toBe(product.stock);
  });

  test("When the SKU is another product's, then 409; when the id is unknown, then 404", async () => {
    const first = await createProduct(url);
    const second = await createProduct(url);
    const taken = await request(url, 'PUT', `/api/products/${second.id}`, {
      token: adminToken,
      body: { sku: first.sku, name: 'x', priceCents: 100 },
    });
    const missing = await request(url, 'PUT', '/api/products/999999', {
      token: adminToken,
      body: { sku: uniqueSku(), name: 'x', priceCents: 100 },
    });
    expect(taken.status).toBe(409);
    expect(missing.status).toBe(404);
  });

  test('When a customer replaces a product, then 403', async () => {
    const product = await createProduct(url);
    const res = await request(url, 'PUT', `/api/products/${product.id}`, {
      token: customerToken,
      body: { sku: product.sku, name: 'Hacked', priceCents: 1 },
    });
    expect(res.status).toBe(403);
    expect((await request<Product>(url, 'GET', `/api/products/${product.id}`)).body.name).toBe(product.name);
  });
});

describe('DELETE /api/products/:id', () => {
  test('When an admin deletes a product, then 204 and it is gone', async () => {
    const product = await createProduct(url);
    const res = await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken });
    expect(res.status).toBe(204);
    expect((await request(url, 'GET', `/api/products/${product.id}`)).status).toBe(404);
    expect((await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken })).status).toBe(
      404,
    );
  });

  test('When the product has an active reservation, then 409 product_reserved; once committed it can go', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await request(url, 'POST', '/internal/reservations', {
      token: serviceToken,
      body: { orderId, items: [{ productId: product.id, quantity: 1 }] },
    });

    const refused = await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'product_reserved' } });
    expect((await request(url, 'GET', `/api/products/${product.id}`)).status).toBe(200);

    await request(url, 'POST', `/internal/reservations/${orderId}/commit`, { token: serviceToken });
    expect((await request(url, 'DELETE', `/api/products/${product.id}`, { token: adminToken })).status).toBe(
      204,
    );
  });

  test('When a customer deletes a product, then 403 and it stays', async () => {
    const product = await createProduct(url);
    const res = await request(url, 'DELETE', `/api/products/${product.id}`, { token: customerToken });
    expect(res.status).toBe(403);
    expect((await request(url, 'GET', `/api/products/${product.id}`)).status).toBe(200);
  });
});

describe('PATCH /api/products/:id/stock', () => {
  test('When an admin adds and removes with delta, then stock follows', async () => {
    const product = await createProduct(url, { stock: 10 });
    const added = await request<Product>(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: 5 },
    });
    const removed = await request<Product>(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: -15 },
    });
    expect(added.status).toBe(200);
    expect(added.body.stock).toBe(15);
    expect(removed.body.stock).toBe(0);
  });

  test('When an admin sets an absolute stock, then it is stored', async () => {
    const product = await createProduct(url, { stock: 10 });
    const res = await request<Product>(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { stock: 3 },
    });
    expect(res.body.stock).toBe(3);
    expect(await stockOf(url, product.id)).toBe(3);
  });

  test('When a delta would take stock below zero, then 409 insufficient_stock and nothing changes', async () => {
    const product = await createProduct(url, { stock: 2 });
    const res = await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: adminToken,
      body: { delta: -3 },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'insufficient_stock', details: { available: 2 } } });
    expect(await stockOf(url, product.id)).toBe(2);
  });

  test.each([
    [{}],
    [{ delta: 1, stock: 1 }],
    [{ stock: -1 }],
    [{ delta: 1.5 }],
    [{ delta: '1' }],
    [{ amount: 1 }],
  ])('When the body is %j, then 400', async (body) => {
    const product = await createProduct(url, { stock: 2 });
    const res = await request(url, 'PATCH', `/api/products/${product.id}/stock`, { token: adminToken, body });
    expect(res.status).toBe(400);
    expect(await stockOf(url, product.id)).toBe(2);
  });

  test('When a customer or a service patches stock, then 403', async () => {
    const product = await createProduct(url, { stock: 2 });
    const body = { stock: 1000 };
    const asCustomer = await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: customerToken,
      body,
    });
    const asService = await request(url, 'PATCH', `/api/products/${product.id}/stock`, {
      token: serviceToken,
      body,
    });
    expect(asCustomer.status).toBe(403);
    expect(asService.status).toBe(403);
    expect(await stockOf(url, product.id)).toBe(2);
  });

  test('When the product is unknown, then 404', async () => {
    const res = await request(url, 'PATCH', '/api/products/999999/stock', {
      token: adminToken,
      body: { delta: 1 },
    });
    expect(res.status).toBe(404);
  });
});
