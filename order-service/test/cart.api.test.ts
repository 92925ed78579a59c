import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { holdWriteLock, request, tokenFor } from '@shop/platform/tools/testing';
import { CABLE, KEYBOARD, startScenario, type Scenario } from './support/scenario.js';
import {
  customerA,
  customerB,
  metricValue,
  startOrderService,
  tokenOf,
  type ErrorBody,
  type OrderBody,
} from './support/order-service-harness.js';
import { until } from './support/until.js';
import { loadConfig } from '../src/config.js';
import { settingsFromConfig } from '../src/service.js';

interface CartBody {
  customerId: string;
  items: {
    productId: number;
    quantity: number;
    name: string | null;
    unitPriceCents: number | null;
    lineTotalCents: number | null;
    available: boolean | null;
    unavailableReason?: string;
  }[];
  itemCount: number;
  totalQuantity: number;
  subtotalCents: number | null;
  catalogue: 'ok' | 'unavailable';
  checkout?: { orderId: string; state: string };
  expiresAt: string | null;
}

type User = { id: string; role: 'customer' | 'admin' | 'service' };

describe('Cart and checkout (order-service, real HTTP API and SQLite)', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });
  afterEach(async () => {
    await s.stop();
  });

  const getCart = (user: User = customerA, url = s.orders.url) =>
    request<CartBody & ErrorBody>(url, 'GET', '/api/cart', { token: tokenOf(user) });
  const setItem = (productId: number | string, body: unknown, user: User = customerA) =>
    request<CartBody & ErrorBody>(s.orders.url, 'PUT', `/api/cart/items/${productId}`, {
      token: tokenOf(user),
      body,
    });
  const checkout = (
    key: string | undefined,
    paymentToken = 'tok_visa',
    user: User = customerA,
    url = s.orders.url,
  ) =>
    request<OrderBody & ErrorBody>(url, 'POST', '/api/cart/checkout', {
      token: tokenOf(user),
      body: { paymentToken },
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const ordersOf = async (user: User = customerA) =>
    (await request<{ data: OrderBody[] }>(s.orders.url, 'GET', '/api/orders', { token: tokenOf(user) })).body
      .data;

  test('When products are put in the cart, then it shows them at catalogue name and price with a subtotal; a second PUT sets the quantity', async () => {
    const empty = await getCart();
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ items: [], itemCount: 0, subtotalCents: 0, expiresAt: null });

    expect((await setItem(KEYBOARD.id, { quantity: 1 })).status).toBe(200);
    const res = await setItem(CABLE.id, { quantity: 3 });
    expect(res.status).toBe(200);
    expect((await setItem(KEYBOARD.id, { quantity: 2 })).body.items[0]?.quantity).toBe(2);

    const cart = (await getCart()).body;
    expect(cart.items).toEqual([
      expect.objectContaining({
        productId: KEYBOARD.id,
        quantity: 2,
        name: KEYBOARD.name,
        unitPriceCents: KEYBOARD.priceCents,
        lineTotalCents: 2 * KEYBOARD.priceCents,
        available: true,
      }),
      expect.objectContaining({ productId: CABLE.id, quantity: 3, lineTotalCents: 3 * CABLE.priceCents }),
    ]);
    expect(cart).toMatchObject({
      customerId: customerA.id,
      itemCount: 2,
      totalQuantity: 5,
      subtotalCents: 2 * KEYBOARD.priceCents + 3 * CABLE.priceCents,
      catalogue: 'ok',
    });
    expect(Date.parse(cart.expiresAt ?? '')).toBeGreaterThan(Date.now());
  });

  test("When another customer reads, changes or empties their cart, then the first customer's cart is untouched", async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });

    expect((await getCart(customerB)).body.items).toEqual([]);
    await setItem(CABLE.id, { quantity: 1 }, customerB);
    const cleared = await request(s.orders.url, 'DELETE', '/api/cart', { token: tokenOf(customerB) });
    expect(cleared.status).toBe(204);
    const removed = await request(s.orders.url, 'DELETE', `/api/cart/items/${KEYBOARD.id}`, {
      token: tokenOf(customerB),
    });
    expect(removed.status).toBe(200);

    expect((await getCart()).body.items.map((item) => item.productId)).toEqual([KEYBOARD.id]);
  });

  test('When a service token or no token asks for a cart, then 403 / 401', async () => {
    const service = await request<ErrorBody>(s.orders.url, 'GET', '/api/cart', {
      token: tokenFor({ id: 'shipping-service', role: 'service' }),
    });
    expect(service.status).toBe(403);
    expect((await request(s.orders.url, 'GET', '/api/cart')).status).toBe(401);
  });

  test('When a quantity or the number of products passes its cap, then 422 with a clear code and the cart is unchanged', async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });

    const tooMany = await setItem(KEYBOARD.id, { quantity: 101 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('cart_quantity_limit');
    expect(tooMany.body.error.message).toContain('100');

    for (let id = 100; id < 149; id += 1) {
      s.inventory.products.set(id, { name: `Item ${id}`, priceCents: 100, stock: 5 });
      expect((await setItem(id, { quantity: 1 })).status).toBe(200);
    }
    s.inventory.products.set(149, { name: 'One too many', priceCents: 100, stock: 5 });
    const fiftyFirst = await setItem(149, { quantity: 1 });
    expect(fiftyFirst.status).toBe(422);
    expect(fiftyFirst.body.error.code).toBe('cart_item_limit');
    // Changing a product already in the full cart still works.
    expect((await setItem(KEYBOARD.id, { quantity: 4 })).status).toBe(200);

    const cart = (await getCart()).body;
    expect(cart.itemCount).toBe(50);
    expect(cart.items.find((item) => item.productId === KEYBOARD.id)?.quantity).toBe(4);
    expect(cart.items.some((item) => item.productId === 149)).toBe(false);
  });

  test('When the input is malformed or names no product, then 400 / 422 and nothing changes', async () => {
    for (const body of [
      { quantity: 0 },
      { quantity: 1.5 },
      { quantity: '2' },
      {},
      { quantity: 1, price: 1 },
    ]) {
      const res = await setItem(KEYBOARD.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await setItem('abc', { quantity: 1 })).status).toBe(400);
    const unknown = await setItem(999, { quantity: 1 });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_product');
    expect((await getCart()).body.items).toEqual([]);
  });

  test('When the cart is checked out, then the order is placed through the saga, the cart is emptied, and a retry with the key returns the same order', async () => {
    await setItem(KEYBOARD.id, { quantity: 2 });
    await setItem(CABLE.id, { quantity: 1 });

    const first = await checkout('checkout-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'CONFIRMED',
      customerId: customerA.id,
      totalCents: 2 * KEYBOARD.priceCents + CABLE.priceCents,
    });
    expect(first.headers.get('location')).toBe(`/api/orders/${first.body.id}`);
    expect((await getCart()).body.items).toEqual([]);
    expect(s.inventory.stockOf(KEYBOARD.id)).toBe(8);

    const retry = await checkout('checkout-1');
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await ordersOf()).toHaveLength(1);
    expect(s.payment.callsTo('POST', /^\/internal\/payments$/)).toHaveLength(1);

    const metrics = (await request<string>(s.orders.url, 'GET', '/metrics')).body;
    expect(metricValue(metrics, 'cart_checkouts_total', { outcome: '201' })).toBe(1);
    expect(metricValue(metrics, 'cart_checkouts_total', { outcome: 'replayed' })).toBe(1);
    const logged = s.orders.logLines().find((line) => line.message === 'cart checked out');
    expect(logged?.correlationId).toEqual(expect.any(String));
  });

  test('When another process locks the database while the checkout is charging, then the answer is the order (202 PENDING, not 503), the cart is emptied once the lock is gone, and a retry with the key gets that order', async () => {
    await s.stop();
    s = await startScenario({ env: { DB_LOCK_WAIT_MS: '100' } });
    await setItem(KEYBOARD.id, { quantity: 1 });
    s.payment.chargeMode = 'held';
    const placing = checkout('checkout-locked');
    await until(() => s.payment.heldCount === 1);
    const held = await holdWriteLock(s.orders.db.name);
    s.payment.landHeld();

    const first = await placing.finally(() => held.release());

    expect(first.status).toBe(202);
    expect(first.body.status).toBe('PENDING');
    expect((await getCart()).body.items).toEqual([]);
    const retry = await checkout('checkout-locked');
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(await ordersOf()).toHaveLength(1);
    expect(s.payment.callsTo('POST', /^\/internal\/payments$/)).toHaveLength(1);
  });

  test('When the checkout has no Idempotency-Key, a bad token, or an empty cart, then 400 / 422 and the key stays free', async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });
    const noKey = await checkout(undefined);
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe('idempotency_key_required');
    expect((await checkout('k-bad-token', 'visa')).status).toBe(400);

    const emptyCustomer = await checkout('k-empty', 'tok_visa', customerB);
    expect(emptyCustomer.status).toBe(422);
    expect(emptyCustomer.body.error.code).toBe('cart_empty');
    expect(await ordersOf(customerB)).toHaveLength(0);
    // The refused checkout did not use the key up.
    await setItem(CABLE.id, { quantity: 1 }, customerB);
    expect((await checkout('k-empty', 'tok_visa', customerB)).status).toBe(201);
    expect((await getCart()).body.items).toHaveLength(1);
  });

  test('When payment declines, then 402, the cart is kept, the key replays the 402, and a new key with another card places the order', async () => {
    await setItem(CABLE.id, { quantity: 1 });

    const declined = await checkout('decl-1', 'tok_chargeDeclined');
    expect(declined.status).toBe(402);
    expect((await getCart()).body.items.map((item) => item.productId)).toEqual([CABLE.id]);
    const replay = await checkout('decl-1', 'tok_chargeDeclined');
    expect(replay.status).toBe(402);
    expect(replay.body).toEqual(declined.body);

    const reused = await checkout('decl-1', 'tok_visa');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    expect((await checkout('decl-2', 'tok_visa')).status).toBe(201);
    expect((await getCart()).body.items).toEqual([]);
  });

  test('When stock or price changed since the product was added, then the cart shows it and checkout re-validates: 409 keeps the cart, the new price is charged', async () => {
    await setItem(KEYBOARD.id, { quantity: 3 });
    (s.inventory.products.get(KEYBOARD.id) as { stock: number }).stock = 2;

    const shown = (await getCart()).body.items[0];
    expect(shown).toMatchObject({ available: false, unavailableReason: 'out_of_stock' });
    const refused = await checkout('oos-1');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('out_of_stock');
    expect((await getCart()).body.items).toHaveLength(1);

    await setItem(KEYBOARD.id, { quantity: 2 });
    (s.inventory.products.get(KEYBOARD.id) as { priceCents: number }).priceCents = 9500;
    expect((await getCart()).body.subtotalCents).toBe(19_000);
    const placed = await checkout('oos-2');
    expect(placed.status).toBe(201);
    expect(placed.body.totalCents).toBe(19_000);
  });

  test('When payment is down, then the checkout answers 503 like an order and the cart is kept', async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });
    await s.payment.stop();

    const res = await checkout('down-1');
    expect(res.status).toBe(503);
    expect((await getCart()).body.items).toHaveLength(1);
  });

  test('When inventory cannot be read, then the cart still answers with the lines and catalogue unavailable', async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });
    await s.inventory.stop();

    const res = await getCart();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ catalogue: 'unavailable', subtotalCents: null });
    expect(res.body.items[0]).toMatchObject({
      productId: KEYBOARD.id,
      quantity: 1,
      name: null,
      available: null,
    });
  });

  test('When carts stay idle past the TTL, then the purge deletes them and they read as empty', async () => {
    await setItem(KEYBOARD.id, { quantity: 1 });
    await setItem(CABLE.id, { quantity: 1 }, customerB);

    expect(s.orders.domain.purgeIdleCarts(new Date(Date.now() + 60_000))).toBe(0);
    expect(s.orders.domain.purgeIdleCarts(new Date(Date.now() + 24 * 60 * 60_000 + 1000))).toBe(2);
    expect((await getCart()).body.items).toEqual([]);
    expect((await getCart(customerB)).body.items).toEqual([]);
    const metrics = (await request<string>(s.orders.url, 'GET', '/metrics')).body;
    expect(metricValue(metrics, 'carts_expired_total', {})).toBe(2);
  });
});

describe('Cart caps follow the order caps (ORDER_MAX_QUANTITY_PER_PRODUCT / _PER_ORDER)', () => {
  let s: Scenario;
  const caps = { ORDER_MAX_QUANTITY_PER_PRODUCT: '20', ORDER_MAX_QUANTITY_PER_ORDER: '25' };

  beforeEach(async () => {
    // The cart settings as main.ts derives them from this configuration.
    s = await startScenario({ env: caps, settings: { cart: settingsFromConfig(loadConfig(caps)).cart } });
    s.inventory.products.set(KEYBOARD.id, {
      name: KEYBOARD.name,
      priceCents: KEYBOARD.priceCents,
      stock: 100,
    });
    s.inventory.products.set(CABLE.id, { name: CABLE.name, priceCents: CABLE.priceCents, stock: 100 });
  });
  afterEach(async () => {
    await s.stop();
  });

  const setItem = (productId: number, quantity: number) =>
    request<CartBody & ErrorBody>(s.orders.url, 'PUT', `/api/cart/items/${productId}`, {
      token: tokenOf(customerA),
      body: { quantity },
    });

  test('When a cart line or the whole cart would pass what one order may hold, then 422 cart_quantity_limit at once, not at checkout, and what it holds checks out', async () => {
    const perProduct = await setItem(KEYBOARD.id, 21);
    expect(perProduct.status).toBe(422);
    expect(perProduct.body.error.code).toBe('cart_quantity_limit');
    expect(perProduct.body.error.message).toContain('20');

    expect((await setItem(KEYBOARD.id, 20)).status).toBe(200);
    const overall = await setItem(CABLE.id, 6);
    expect(overall.status).toBe(422);
    expect(overall.body.error.code).toBe('cart_quantity_limit');
    expect(overall.body.error.message).toContain('25');
    // Setting a line's quantity counts its new quantity, not old + new.
    expect((await setItem(KEYBOARD.id, 19)).status).toBe(200);
    expect((await setItem(CABLE.id, 6)).status).toBe(200);
    expect((await setItem(CABLE.id, 7)).status).toBe(422);

    const order = await request<OrderBody & ErrorBody>(s.orders.url, 'POST', '/api/cart/checkout', {
      token: tokenOf(customerA),
      body: { paymentToken: 'tok_visa' },
      headers: { 'idempotency-key': 'caps-1' },
    });
    expect(order.status).toBe(201);
    expect(order.body.items.map((item) => item.quantity).sort((a, b) => a - b)).toEqual([6, 19]);
  });
});

describe('Checkout interrupted between creating the order and emptying the cart', () => {
  test('When the process stops mid-checkout, then a retry with the key (on the restarted service) returns the order that exists and the cart is emptied; no second order', async () => {
    const s = await startScenario();
    let restarted: Awaited<ReturnType<typeof startOrderService>> | undefined;
    try {
      await request(s.orders.url, 'PUT', `/api/cart/items/${KEYBOARD.id}`, {
        token: tokenOf(customerA),
        body: { quantity: 1 },
      });
      s.inventory.holdReservations = true;
      const inFlight = request<OrderBody>(s.orders.url, 'POST', '/api/cart/checkout', {
        token: tokenOf(customerA),
        body: { paymentToken: 'tok_visa' },
        headers: { 'idempotency-key': 'crash-1' },
      });
      await until(() => s.inventory.heldCount === 1);

      // While its order is being placed, the cart is locked.
      const locked = await request<ErrorBody>(s.orders.url, 'PUT', `/api/cart/items/${CABLE.id}`, {
        token: tokenOf(customerA),
        body: { quantity: 1 },
      });
      expect(locked.status).toBe(409);
      expect(locked.body.error.code).toBe('checkout_in_progress');
      const during = await request<CartBody>(s.orders.url, 'GET', '/api/cart', { token: tokenOf(customerA) });
      expect(during.body.checkout?.state).toBe('in_progress');

      // A new process on the same database file: the first one's in-memory state is gone, as after a crash.
      restarted = await startOrderService({
        inventoryUrl: s.inventory.url,
        paymentUrl: s.payment.url,
        dataDir: s.orders.dataDir,
      });
      const retry = await request<OrderBody>(restarted.url, 'POST', '/api/cart/checkout', {
        token: tokenOf(customerA),
        body: { paymentToken: 'tok_visa' },
        headers: { 'idempotency-key': 'crash-1' },
      });
      expect(retry.status).toBe(202);
      expect(retry.body.status).toBe('PENDING');
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const after = await request<CartBody>(restarted.url, 'GET', '/api/cart', { token: tokenOf(customerA) });
      expect(after.body.items).toEqual([]);

      // A checkout with a new key finds nothing to order.
      const again = await request<ErrorBody>(restarted.url, 'POST', '/api/cart/checkout', {
        token: tokenOf(customerA),
        body: { paymentToken: 'tok_visa' },
        headers: { 'idempotency-key': 'crash-2' },
      });
      expect(again.body.error.code).toBe('cart_empty');

      s.inventory.landHeld();
      const first = await inFlight;
      expect(first.body.id).toBe(retry.body.id);
      const orders = await request<{ data: OrderBody[] }>(restarted.url, 'GET', '/api/orders', {
        token: tokenOf(customerA),
      });
      expect(orders.body.data.map((order) => order.id)).toEqual([retry.body.id]);
    } finally {
      s.inventory.landHeld();
      await restarted?.stop();
      await s.stop();
    }
  });
});
