import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadMigrations, openDatabase, type Db } from '@shop/platform';
import { tempDir } from '@shop/platform/testing';
import { invariants } from '../src/invariants.js';
import { repositoryRoot } from '../src/service-map.js';

type OrderStatus = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
type ReservationStatus = 'RESERVED' | 'RELEASED' | 'COMMITTED';
type PaymentStatus = 'CAPTURED' | 'DECLINED' | 'REFUNDED';

// The services' real migrations, so the checker is tested against the schema it reads in production.
function migrationsOf(service: string) {
  return loadMigrations(pathToFileURL(join(repositoryRoot(), service, 'src', 'main.js')).href);
}

/** Three service databases in a temp dir, written the way the saga would leave them. */
function createStack(dir: string) {
  const file = (service: string) => join(dir, `${service}.db`);
  const inventory = openDatabase(file('inventory-service'), migrationsOf('inventory-service'));
  const orders = openDatabase(file('order-service'), migrationsOf('order-service'));
  const payments = openDatabase(file('payment-service'), migrationsOf('payment-service'));
  const now = new Date().toISOString();

  return {
    files: { databaseFile: file },
    close: () => [inventory, orders, payments].forEach((db: Db) => db.close()),
    product(id: number, stock: number) {
      inventory
        .prepare(
          `INSERT INTO products (id, sku, name, description, search_text, price_cents, currency, stock, created_at, updated_at)
           VALUES (?, ?, 'P', '', 'p', 100, 'USD', ?, ?, ?)`,
        )
        .run(id, `SKU-${id}`, stock, now, now);
    },
    setStock(id: number, stock: number) {
      inventory.prepare('UPDATE products SET stock = ? WHERE id = ?').run(stock, id);
    },
    order(
      productId: number,
      quantity: number,
      status: OrderStatus,
      reservation: ReservationStatus | undefined,
      payment: PaymentStatus | undefined,
      createdAt = now,
    ): string {
      const id = randomUUID();
      orders
        .prepare(
          `INSERT INTO orders (id, customer_id, status, currency, saga_step, created_at, updated_at)
           VALUES (?, 'customer-1', ?, 'USD', 'settled', ?, ?)`,
        )
        .run(id, status, createdAt, createdAt);
      orders
        .prepare('INSERT INTO order_lines (order_id, line_no, product_id, quantity) VALUES (?, 1, ?, ?)')
        .run(id, productId, quantity);
      if (reservation) {
        inventory
          .prepare(
            `INSERT INTO reservations (order_id, status, total_cents, currency, created_at, updated_at)
             VALUES (?, ?, ?, 'USD', ?, ?)`,
          )
          .run(id, reservation, quantity * 100, now, now);
        inventory
          .prepare(
            `INSERT INTO reservation_items (order_id, line, product_id, name, quantity, unit_price_cents)
             VALUES (?, 1, ?, 'P', ?, 100)`,
          )
          .run(id, productId, quantity);
      }
      if (payment) {
        payments
          .prepare(
            `INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, created_at, updated_at)
             VALUES (?, ?, 'customer-1', ?, 'USD', ?, ?, ?)`,
          )
          .run(randomUUID(), id, quantity * 100, payment, now, now);
      }
      return id;
    },
  };
}

describe('invariants()', () => {
  let dir: ReturnType<typeof tempDir>;
  let stack: ReturnType<typeof createStack>;
  const baseline = new Map([[1, 100]]);
  const check = (options: { pendingDeadlineMs?: number } = {}) =>
    invariants({ ...stack.files, initialStock: baseline }, options);

  beforeEach(() => {
    dir = tempDir('invariants-');
    stack = createStack(dir.path);
    stack.product(1, 100);
  });

  afterEach(() => {
    stack.close();
    dir.cleanup();
  });

  test('When confirmed, shipped, cancelled and declined orders are consistent, then there is no violation', async () => {
    stack.order(1, 10, 'CONFIRMED', 'COMMITTED', 'CAPTURED');
    stack.order(1, 5, 'DELIVERED', 'COMMITTED', 'CAPTURED');
    stack.order(1, 3, 'CANCELLED', 'RELEASED', 'REFUNDED');
    stack.order(1, 2, 'CANCELLED', 'RELEASED', 'DECLINED');
    stack.order(1, 1, 'CANCELLED', undefined, undefined);
    stack.setStock(1, 85);

    expect(await check()).toEqual([]);
  });

  test('When a young PENDING order holds a reservation, then its units count as in flight, not as lost', async () => {
    stack.order(1, 4, 'PENDING', 'RESERVED', undefined);
    stack.setStock(1, 96);

    expect(await check()).toEqual([]);
    expect(await check({ pendingDeadlineMs: 0 })).toEqual([
      expect.stringMatching(/^pending: order .* is PENDING/),
    ]);
  });

  test('When a cancelled order kept its reservation, then stock and release violations are reported', async () => {
    const id = stack.order(1, 7, 'CANCELLED', 'RESERVED', 'REFUNDED');
    stack.setStock(1, 93);

    const violations = await check();

    expect(violations).toContain(`release: order ${id} is CANCELLED but its reservation is RESERVED`);
    expect(violations).toContain('stock: product 1: initial 100 != available 93 + confirmed 0 (93)');
  });

  test('When stock was sold twice (oversold), then the stock invariant fails', async () => {
    stack.order(1, 10, 'CONFIRMED', 'COMMITTED', 'CAPTURED');
    stack.setStock(1, 95);

    expect(await check()).toEqual(['stock: product 1: initial 100 != available 95 + confirmed 10 (105)']);
  });

  test('When a confirmed order has no captured payment, or a cancelled one kept its capture, then payments fail', async () => {
    const unpaid = stack.order(1, 1, 'CONFIRMED', 'COMMITTED', 'DECLINED');
    const kept = stack.order(1, 1, 'CANCELLED', 'RELEASED', 'CAPTURED');
    stack.setStock(1, 99);

    expect(await check()).toEqual([
      `payments: order ${kept} is CANCELLED but its payment is still CAPTURED`,
      `payments: order ${unpaid} is CONFIRMED without a captured payment`,
    ]);
  });

  test('When a PENDING order is older than the deadline, then it is reported', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    stack.order(1, 1, 'PENDING', undefined, undefined, old);

    expect(await check({ pendingDeadlineMs: 60_000 })).toEqual([
      expect.stringMatching(/^pending: .* for 600 s$/),
    ]);
  });
});
