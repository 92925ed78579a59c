import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Reservation, ReservationStatus } from '../src/domain/reservation.js';
import {
  adminToken,
  createProduct,
  customerToken,
  serviceToken,
  startInventory,
  stockOf,
  type RunningInventory,
} from './support/inventory-app.js';

let inventory: RunningInventory;
let url: string;

beforeAll(async () => {
  inventory = await startInventory();
  url = inventory.url;
});
afterAll(async () => {
  await inventory.close();
});

function reserve(
  items: { productId: number; quantity: number }[],
  orderId: string = randomUUID(),
  token = serviceToken,
) {
  return request<Reservation>(url, 'POST', '/internal/reservations', { token, body: { orderId, items } });
}

async function metric(outcome: string): Promise<number> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  const match = new RegExp(`^stock_reservations_total\\{outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(
    text,
  );
  return match ? Number(match[1]) : Number.NaN;
}

describe('POST /internal/reservations', () => {
  test('When every item is in stock, then 201 with lines at inventory prices, and stock is taken', async () => {
    const keyboard = await createProduct(url, { name: 'Keyboard', priceCents: 8999, stock: 5 });
    const mouse = await createProduct(url, { name: 'Mouse', priceCents: 2999, stock: 5 });
    const orderId = randomUUID();
    const reservedBefore = await metric('reserved');

    const res = await reserve(
      [
        { productId: keyboard.id, quantity: 2 },
        { productId: mouse.id, quantity: 1 },
      ],
      orderId,
    );

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      orderId,
      status: 'RESERVED',
      items: [
        { productId: keyboard.id, name: 'Keyboard', quantity: 2, unitPriceCents: 8999 },
        { productId: mouse.id, name: 'Mouse', quantity: 1, unitPriceCents: 2999 },
      ],
      totalCents: 2 * 8999 + 2999,
      currency: 'USD',
    });
    expect(await stockOf(url, keyboard.id)).toBe(3);
    expect(await stockOf(url, mouse.id)).toBe(4);
    expect(await metric('reserved')).toBe(reservedBefore + 1);
  });

  test('When the second item is short, then 409 out_of_stock with details and nothing is reserved', async () => {
    const plenty = await createProduct(url, { stock: 10 });
    const scarce = await createProduct(url, { stock: 1 });
    const orderId = randomUUID();
    const outOfStockBefore = await metric('out_of_stock');

    const res = await reserve(
      [
        { productId: plenty.id, quantity: 3 },
        { productId: scarce.id, quantity: 2 },
      ],
      orderId,
    );

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: 'out_of_stock', details: { productId: scarce.id, requested: 2, available: 1 } },
    });
    expect(await stockOf(url, plenty.id)).toBe(10);
    expect(await stockOf(url, scarce.id)).toBe(1);
    expect(
      (await request(url, 'GET', `/internal/reservations/${orderId}`, { token: serviceToken })).status,
    ).toBe(404);
    expect(await metric('out_of_stock')).toBe(outOfStockBefore + 1);
  });

  test('When a product is unknown, then 422 unknown_product naming it and nothing is reserved', async () => {
    const known = await createProduct(url, { stock: 4 });
    const res = await reserve([
      { productId: known.id, quantity: 1 },
      { productId: 987654, quantity: 1 },
    ]);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'unknown_product', details: { productIds: [987654] } } });
    expect(await stockOf(url, known.id)).toBe(4);
  });

  test('When the same order reserves twice, then 200 with the same body and stock is taken once', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    const reservedBefore = await metric('reserved');

    const first = await reserve([{ productId: product.id, quantity: 2 }], orderId);
    const second = await reserve([{ productId: product.id, quantity: 2 }], orderId);

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await stockOf(url, product.id)).toBe(3);
    expect(await metric('reserved')).toBe(reservedBefore + 1);
  });

  test('When the same order reserves different items, then 422 idempotency_mismatch and stock stays', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 2 }], orderId);
    const res = await reserve([{ productId: product.id, quantity: 3 }], orderId);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'idempotency_mismatch' } });
    expect(await stockOf(url, product.id)).toBe(3);
  });

  test('When a product appears on two lines, then the quantities are reserved as one line', async () => {
    const product = await createProduct(url, { stock: 5, priceCents: 100 });
    const res = await reserve([
      { productId: product.id, quantity: 1 },
      { productId: product.id, quantity: 2 },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.items).toEqual([expect.objectContaining({ productId: product.id, quantity: 3 })]);
    expect(res.body.totalCents).toBe(300);
    expect(await stockOf(url, product.id)).toBe(2);
  });

  test('When 30 different orders race for the last unit, then exactly one gets it and stock ends at 0', async () => {
    const product = await createProduct(url, { stock: 1 });
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => reserve([{ productId: product.id, quantity: 1 }])),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(29);
    expect(await stockOf(url, product.id)).toBe(0);
  });

  test.each([
    ['no items', { orderId: randomUUID(), items: [] }],
    ['a non-uuid orderId', { orderId: 'order-1', items: [{ productId: 1, quantity: 1 }] }],
    ['a zero quantity', { orderId: randomUUID(), items: [{ productId: 1, quantity: 0 }] }],
    ['a fractional quantity', { orderId: randomUUID(), items: [{ productId: 1, quantity: 1.5 }] }],
    ['a productId as string', { orderId: randomUUID(), items: [{ productId: '1', quantity: 1 }] }],
    ['a client price', { orderId: randomUUID(), items: [{ productId: 1, quantity: 1, unitPriceCents: 1 }] }],
  ])('When the body has %s, then 400', async (_case, body) => {
    const res = await request(url, 'POST', '/internal/reservations', { token: serviceToken, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  test('When the reservation arrives after its deadline, then 409 reservation_deadline_passed, no stock is taken and the refusal is counted (issue 8)', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    const deadline = new Date(Date.now() - 1000).toISOString();
    const refusedBefore = await metric('deadline_passed');

    const res = await request<{ error: { code: string; details: unknown } }>(
      url,
      'POST',
      '/internal/reservations',
      {
        token: serviceToken,
        body: { orderId, items: [{ productId: product.id, quantity: 2 }], deadline },
      },
    );

    expect(res.status).toBe(409);
    expect(res.body.error).toEqual(
      expect.objectContaining({ code: 'reservation_deadline_passed', details: { orderId, deadline } }),
    );
    expect(await stockOf(url, product.id)).toBe(5);
    expect(
      (await request(url, 'GET', `/internal/reservations/${orderId}`, { token: serviceToken })).status,
    ).toBe(404);
    expect(await metric('deadline_passed')).toBe(refusedBefore + 1);
  });

  test('When a reservation made in time is repeated after its deadline, then the stored one is returned', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    const items = [{ productId: product.id, quantity: 1 }];
    const inTime = await request(url, 'POST', '/internal/reservations', {
      token: serviceToken,
      body: { orderId, items, deadline: new Date(Date.now() + 60_000).toISOString() },
    });

    const late = await request(url, 'POST', '/internal/reservations', {
      token: serviceToken,
      body: { orderId, items, deadline: new Date(Date.now() - 1000).toISOString() },
    });

    expect(inTime.status).toBe(201);
    expect(late.status).toBe(200);
    expect(late.body).toEqual(inTime.body);
    expect(await stockOf(url, product.id)).toBe(4);
  });

  test('When a customer calls it, then 403 and no stock moves; anonymous 401', async () => {
    const product = await createProduct(url, { stock: 3 });
    const asCustomer = await reserve([{ productId: product.id, quantity: 1 }], randomUUID(), customerToken);
    const anonymous = await request(url, 'POST', '/internal/reservations', {
      body: { orderId: randomUUID(), items: [{ productId: product.id, quantity: 1 }] },
    });
    expect(asCustomer.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect(await stockOf(url, product.id)).toBe(3);
  });

  test('When an admin calls it, then it is allowed (operators can repair a saga by hand)', async () => {
    const product = await createProduct(url, { stock: 3 });
    const res = await reserve([{ productId: product.id, quantity: 1 }], randomUUID(), adminToken);
    expect(res.status).toBe(201);
  });
});

describe('GET /internal/reservations/:orderId', () => {
  test('When the reservation exists, then 200 with it; unknown 404; bad id 400; customer 403', async () => {
    const product = await createProduct(url, { stock: 3 });
    const orderId = randomUUID();
    const created = await reserve([{ productId: product.id, quantity: 1 }], orderId);

    const found = await request(url, 'GET', `/internal/reservations/${orderId}`, { token: serviceToken });
    const unknown = await request(url, 'GET', `/internal/reservations/${randomUUID()}`, {
      token: serviceToken,
    });
    const bad = await request(url, 'GET', '/internal/reservations/not-a-uuid', { token: serviceToken });
    const asCustomer = await request(url, 'GET', `/internal/reservations/${orderId}`, {
      token: customerToken,
    });

    expect(found.status).toBe(200);
    expect(found.body).toEqual(created.body);
    expect(unknown.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(asCustomer.status).toBe(403);
  });
});

describe('POST /internal/reservations/:orderId/release', () => {
  function release(orderId: string, token = serviceToken) {
    return request<{ orderId: string; status: ReservationStatus }>(
      url,
      'POST',
      `/internal/reservations/${orderId}/release`,
      { token },
    );
  }

  test('When released, then 200 RELEASED and the units are back; releasing again changes nothing', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 4 }], orderId);
    const releasedBefore = await metric('released');

    const first = await release(orderId);
    const second = await release(orderId);

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ orderId, status: 'RELEASED' });
    expect(second.body).toEqual({ orderId, status: 'RELEASED' });
    expect(await stockOf(url, product.id)).toBe(5);
    expect(await metric('released')).toBe(releasedBefore + 1);
  });

  test('When a committed reservation is released (cancellation), then the units are restocked', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 2 }], orderId);
    await request(url, 'POST', `/internal/reservations/${orderId}/commit`, { token: serviceToken });

    const res = await release(orderId);

    expect(res.status).toBe(200);
    expect(await stockOf(url, product.id)).toBe(5);
  });

  test('When a released order is reserved again, then the released reservation is returned and no stock is taken', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 2 }], orderId);
    await release(orderId);

    const again = await reserve([{ productId: product.id, quantity: 2 }], orderId);

    expect(again.status).toBe(200);
    expect(again.body.status).toBe('RELEASED');
    expect(await stockOf(url, product.id)).toBe(5);
  });

  test('When the order is unknown, then 404; a customer gets 403', async () => {
    expect((await release(randomUUID())).status).toBe(404);
    expect((await release(randomUUID(), customerToken)).status).toBe(403);
  });
});

describe('POST /internal/reservations/:orderId/commit', () => {
  function commit(orderId: string) {
    return request(url, 'POST', `/internal/reservations/${orderId}/commit`, { token: serviceToken });
  }

  test('When committed, then 200 COMMITTED, idempotently, and stock stays taken', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 2 }], orderId);
    const committedBefore = await metric('committed');

    const first = await commit(orderId);
    const second = await commit(orderId);

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ orderId, status: 'COMMITTED' });
    expect(second.body).toEqual({ orderId, status: 'COMMITTED' });
    expect(await stockOf(url, product.id)).toBe(3);
    expect(await metric('committed')).toBe(committedBefore + 1);
    const stored = await request<Reservation>(url, 'GET', `/internal/reservations/${orderId}`, {
      token: serviceToken,
    });
    expect(stored.body.status).toBe('COMMITTED');
  });

  test('When the reservation was released, then 409 reservation_released; unknown 404', async () => {
    const product = await createProduct(url, { stock: 5 });
    const orderId = randomUUID();
    await reserve([{ productId: product.id, quantity: 2 }], orderId);
    await request(url, 'POST', `/internal/reservations/${orderId}/release`, { token: serviceToken });

    const res = await commit(orderId);

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'reservation_released' } });
    expect((await commit(randomUUID())).status).toBe(404);
  });
});
