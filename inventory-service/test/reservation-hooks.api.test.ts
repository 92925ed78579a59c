import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Reservation, ReservationStatus } from '../src/domain/reservation.js';
import {
  createProduct,
  serviceToken,
  startInventory,
  stockOf,
  type RunningInventory,
} from './support/inventory-app.js';

let inventory: RunningInventory | undefined;

afterEach(async () => {
  await inventory?.close();
  inventory = undefined;
});

describe('Reservation event hooks', () => {
  test('When stock is reserved and released, then each hook is called once with the reservation', async () => {
    const reserved: Reservation[] = [];
    const released: [Reservation, ReservationStatus][] = [];
    inventory = await startInventory({
      hooks: {
        onStockReserved: (reservation) => reserved.push(reservation),
        onStockReleased: (reservation, previous) => released.push([reservation, previous]),
      },
    });
    const product = await createProduct(inventory.url, { stock: 3 });
    const orderId = randomUUID();
    const body = { orderId, items: [{ productId: product.id, quantity: 1 }] };

    await request(inventory.url, 'POST', '/internal/reservations', { token: serviceToken, body });
    await request(inventory.url, 'POST', '/internal/reservations', { token: serviceToken, body });
    await request(inventory.url, 'POST', `/internal/reservations/${orderId}/release`, {
      token: serviceToken,
    });
    await request(inventory.url, 'POST', `/internal/reservations/${orderId}/release`, {
      token: serviceToken,
    });

    expect(reserved).toEqual([expect.objectContaining({ orderId, status: 'RESERVED' })]);
    expect(released).toEqual([[expect.objectContaining({ orderId, status: 'RELEASED' }), 'RESERVED']]);
  });

  test('When the reserved hook fails, then the whole reservation rolls back (it runs in the transaction)', async () => {
    inventory = await startInventory({
      hooks: {
        onStockReserved: () => {
          throw new Error('outbox write failed');
        },
      },
    });
    const product = await createProduct(inventory.url, { stock: 3 });
    const orderId = randomUUID();

    const res = await request(inventory.url, 'POST', '/internal/reservations', {
      token: serviceToken,
      body: { orderId, items: [{ productId: product.id, quantity: 2 }] },
    });

    expect(res.status).toBe(500);
    expect(await stockOf(inventory.url, product.id)).toBe(3);
    const stored = await request(inventory.url, 'GET', `/internal/reservations/${orderId}`, {
      token: serviceToken,
    });
    expect(stored.status).toBe(404);
  });
});
