import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminToken, newCustomer, startPlatform, type Platform } from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { shopApi, type Order, type ShopApi } from './support/shop-api.js';

interface Cart {
  customerId: string;
  items: { productId: number; quantity: number; name: string | null; unitPriceCents: number | null }[];
  subtotalCents: number | null;
}

describe('Cart and checkout end to end through the gateway (real processes)', () => {
  let platform: Platform;
  let api: ShopApi;
  let admin: string;

  beforeAll(async () => {
    await buildServices();
    platform = await startPlatform();
    api = shopApi(platform.gatewayUrl);
    admin = await adminToken(platform);
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown();
  });

  test('When a customer fills a cart and checks out, then one confirmed order at catalogue prices, the cart is empty, a retry replays it, and no one else sees the cart', async () => {
    const keyboard = await api.createProduct(admin, { stock: 5, priceCents: 4500 });
    const cable = await api.createProduct(admin, { stock: 5, priceCents: 700 });
    const alice = await newCustomer(platform);
    const bob = await newCustomer(platform);

    expect((await api.call('GET', '/api/cart')).status).toBe(401);
    const put = await api.call<Cart>('PUT', `/api/cart/items/${keyboard.id}`, {
      token: alice.token,
      body: { quantity: 2 },
    });
    expect(put.status).toBe(200);
    await api.call('PUT', `/api/cart/items/${cable.id}`, { token: alice.token, body: { quantity: 1 } });
    const tooMany = await api.call('PUT', `/api/cart/items/${cable.id}`, {
      token: alice.token,
      body: { quantity: 1000 },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error?.code).toBe('cart_quantity_limit');

    const cart = await api.call<Cart>('GET', '/api/cart', { token: alice.token });
    expect(cart.status).toBe(200);
    expect(cart.body).toMatchObject({ customerId: alice.id, subtotalCents: 2 * 4500 + 700 });
    expect(cart.body.items.map((item) => [item.productId, item.quantity, item.name])).toEqual([
      [keyboard.id, 2, keyboard.name],
      [cable.id, 1, cable.name],
    ]);
    expect((await api.call<Cart>('GET', '/api/cart', { token: bob.token })).body.items).toEqual([]);

    const key = randomUUID();
    const placed = await api.call<Order>('POST', '/api/cart/checkout', {
      token: alice.token,
      body: { paymentToken: 'tok_visa' },
      headers: { 'Idempotency-Key': key },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'CONFIRMED', totalCents: 2 * 4500 + 700 });
    expect((await api.call<Cart>('GET', '/api/cart', { token: alice.token })).body.items).toEqual([]);

    const retry = await api.call<Order>('POST', '/api/cart/checkout', {
      token: alice.token,
      body: { paymentToken: 'tok_visa' },
      headers: { 'Idempotency-Key': key },
    });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(placed.body.id);
    expect((await api.orders(alice.token)).body.data.map((order) => order.id)).toEqual([placed.body.id]);
    expect(await api.stockOf(keyboard.id)).toBe(3);

    const empty = await api.call('POST', '/api/cart/checkout', {
      token: alice.token,
      body: { paymentToken: 'tok_visa' },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(empty.status).toBe(422);
    expect(empty.body.error?.code).toBe('cart_empty');
  });
});
