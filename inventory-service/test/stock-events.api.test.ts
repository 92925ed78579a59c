import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  createProduct,
  serviceToken,
  startInventory,
  type RunningInventory,
} from './support/inventory-app.js';

interface StoredEvent {
  type: string;
  correlationId: string;
  source: string;
  data: Record<string, unknown>;
}

describe('Stock events (outbox)', () => {
  let inventory: RunningInventory;

  beforeAll(async () => {
    inventory = await startInventory();
  });
  afterAll(async () => {
    await inventory.close();
  });

  function eventsOf(orderId: string): StoredEvent[] {
    return (inventory.db.prepare('SELECT envelope FROM event_outbox ORDER BY seq').pluck().all() as string[])
      .map((envelope) => JSON.parse(envelope) as StoredEvent)
      .filter((event) => event.data.orderId === orderId);
  }

  function call(path: string, correlationId: string, body?: unknown) {
    return request(inventory.url, 'POST', path, {
      token: serviceToken,
      headers: { 'x-correlation-id': correlationId },
      ...(body === undefined ? {} : { body }),
    });
  }

  test('When stock is reserved (twice, idempotently), then one StockReserved event with the request correlation ID is written', async () => {
    const product = await createProduct(inventory.url, { stock: 5 });
    const orderId = randomUUID();
    const body = { orderId, items: [{ productId: product.id, quantity: 2 }] };

    expect((await call('/internal/reservations', 'reserve-1', body)).status).toBe(201);
    expect((await call('/internal/reservations', 'reserve-2', body)).status).toBe(200);

    expect(eventsOf(orderId)).toEqual([
      expect.objectContaining({
        type: 'StockReserved',
        correlationId: 'reserve-1',
        source: 'inventory-service',
        data: { orderId, items: [{ productId: product.id, quantity: 2 }] },
      }),
    ]);
  });

  test('When a reservation is released twice, then one StockReleased event (reservation_released) is written', async () => {
    const product = await createProduct(inventory.url, { stock: 5 });
    const orderId = randomUUID();
    await call('/internal/reservations', 'reserve', {
      orderId,
      items: [{ productId: product.id, quantity: 1 }],
    });

    expect((await call(`/internal/reservations/${orderId}/release`, 'release-1')).status).toBe(200);
    expect((await call(`/internal/reservations/${orderId}/release`, 'release-2')).status).toBe(200);

    expect(eventsOf(orderId).map((event) => [event.type, event.correlationId, event.data.reason])).toEqual([
      ['StockReserved', 'reserve', undefined],
      ['StockReleased', 'release-1', 'reservation_released'],
    ]);
  });

  test('When a committed reservation is released (cancelled order), then StockReleased says order_cancelled_restock', async () => {
    const product = await createProduct(inventory.url, { stock: 5 });
    const orderId = randomUUID();
    await call('/internal/reservations', 'reserve', {
      orderId,
      items: [{ productId: product.id, quantity: 1 }],
    });
    await call(`/internal/reservations/${orderId}/commit`, 'commit');

    await call(`/internal/reservations/${orderId}/release`, 'cancel');

    expect(eventsOf(orderId).at(-1)).toEqual(
      expect.objectContaining({
        type: 'StockReleased',
        data: expect.objectContaining({ reason: 'order_cancelled_restock' }) as unknown,
      }),
    );
  });

  test('When stock runs out, then the reservation is refused and no event is written', async () => {
    const product = await createProduct(inventory.url, { stock: 1 });
    const orderId = randomUUID();

    const res = await call('/internal/reservations', 'too-many', {
      orderId,
      items: [{ productId: product.id, quantity: 2 }],
    });

    expect(res.status).toBe(409);
    expect(eventsOf(orderId)).toEqual([]);
  });
});
