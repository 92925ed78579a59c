import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadMigrations, openDatabase, type Db } from '@shop/platform/runtime';
import { tempDir } from '@shop/platform/tools/testing';
import { invariants, type InvariantOptions } from '../src/invariants.js';
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
      paymentFields: PaymentFields = {},
    ): string {
      const id = randomUUID();
      const paymentId = randomUUID();
      // The saga records the payment on the order when it confirms it.
      const recorded = ['CONFIRMED', 'SHIPPED', 'DELIVERED'].includes(status) && payment ? paymentId : null;
      orders
        .prepare(
          `INSERT INTO orders (id, customer_id, status, currency, saga_step, payment_id, created_at, updated_at)
           VALUES (?, 'customer-1', ?, 'USD', 'settled', ?, ?, ?)`,
        )
        .run(id, status, paymentFields.recordedPaymentId ?? recorded, createdAt, createdAt);
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
      if (payment)
        this.payment(id, payment, { ...paymentFields, id: paymentId, amountCents: quantity * 100 });
      return id;
    },
    /** A payment row, for an order of the stack or for one order-service does not know. */
    payment(
      orderId: string,
      status: PaymentStatus,
      fields: PaymentFields & { id?: string; amountCents?: number } = {},
    ): void {
      const createdAt = fields.createdAt ?? now;
      payments
        .prepare(
          `INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, created_at, updated_at,
             refunded_at, refund_reason)
           VALUES (?, ?, 'customer-1', ?, 'USD', ?, ?, ?, ?, ?)`,
        )
        .run(
          fields.id ?? randomUUID(),
          orderId,
          fields.amountCents ?? 100,
          status,
          createdAt,
          createdAt,
          status === 'REFUNDED' ? (fields.refundedAt ?? createdAt) : null,
          status === 'REFUNDED' ? (fields.refundReason ?? 'order_cancelled') : null,
        );
    },
    /** Stock held at inventory for an order order-service does not know (taken from the product). */
    strayReservation(productId: number, quantity: number, createdAt = now): string {
      const orderId = randomUUID();
      inventory
        .prepare(
          `INSERT INTO reservations (order_id, status, total_cents, currency, created_at, updated_at)
           VALUES (?, 'RESERVED', ?, 'USD', ?, ?)`,
        )
        .run(orderId, quantity * 100, createdAt, createdAt);
      inventory
        .prepare(
          `INSERT INTO reservation_items (order_id, line, product_id, name, quantity, unit_price_cents)
           VALUES (?, 1, ?, 'P', ?, 100)`,
        )
        .run(orderId, productId, quantity);
      return orderId;
    },
  };
}

interface PaymentFields {
  /** When the payment landed (default: now). */
  createdAt?: string;
  refundedAt?: string;
  refundReason?: string;
  /** The payment id the order records, when it should differ from its real payment. */
  recordedPaymentId?: string;
}

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

describe('invariants()', () => {
  let dir: ReturnType<typeof tempDir>;
  let stack: ReturnType<typeof createStack>;
  const baseline = new Map([[1, 100]]);
  const check = (options: InvariantOptions = {}) =>
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
      `payments: order ${kept} is CANCELLED but its payment has been CAPTURED for 0 s (bound 60 s)`,
      `payments: order ${unpaid} is CONFIRMED without a captured payment`,
    ]);
  });

  describe('The money invariant of issue 8', () => {
    test('When a capture on a cancelled order is younger than the bound while traffic runs, then it is tolerated; past the bound, or once settled, it is a violation', async () => {
      const young = stack.order(1, 1, 'CANCELLED', 'RELEASED', 'CAPTURED', undefined, { createdAt: ago(10) });

      expect(await check({ settled: false, refundBoundMs: 20_000 })).toEqual([]);
      expect(await check({ settled: false, refundBoundMs: 5_000 })).toEqual([
        `payments: order ${young} is CANCELLED but its payment has been CAPTURED for 10 s (bound 5 s)`,
      ]);
      expect(await check({ refundBoundMs: 20_000 })).toEqual([
        `payments: order ${young} is CANCELLED but its payment has been CAPTURED for 10 s (bound 20 s)`,
        'payments: 1 captured payments for 0 confirmed, shipped or delivered orders',
      ]);
    });

    test('When a payment is captured for an order order-service does not know, then it is a violation past the bound', async () => {
      const unknownOrder = randomUUID();
      stack.payment(unknownOrder, 'CAPTURED', { createdAt: ago(90) });

      expect(await check({ settled: false })).toEqual([
        `payments: captured payment for unknown order ${unknownOrder} (for 90 s, bound 60 s)`,
      ]);
    });

    test('When a late capture was refunded, but later than the bound, then it is reported although nothing is captured now', async () => {
      const order = stack.order(1, 1, 'CANCELLED', 'RELEASED', 'REFUNDED', undefined, {
        createdAt: ago(100),
        refundedAt: ago(10),
        refundReason: 'late_capture',
      });
      stack.order(1, 1, 'CANCELLED', 'RELEASED', 'REFUNDED', undefined, {
        createdAt: ago(100),
        refundedAt: ago(10),
        refundReason: 'order_cancelled',
      });

      expect(await check()).toEqual([
        `payments: the late_capture capture of order ${order} was refunded 90 s after it landed (bound 60 s)`,
      ]);
    });

    test('When order or payment was disturbed while a late capture waited for its refund, then that time does not count against the bound', async () => {
      const order = stack.order(1, 1, 'CANCELLED', 'RELEASED', 'REFUNDED', undefined, {
        createdAt: ago(100),
        refundedAt: ago(10),
        refundReason: 'late_capture',
      });
      const at = (secondsAgo: number) => Date.now() - secondsAgo * 1000;

      // 90 s to refund, 35 s of it disturbed (two overlapping windows and one outside): 55 s count.
      expect(
        await check({
          outages: [
            { from: at(95), to: at(75) },
            { from: at(80), to: at(60) },
            { from: at(5), to: at(1) },
          ],
        }),
      ).toEqual([]);
      // 20 s disturbed: 70 s count, over the bound; the message says how much was excused.
      expect(await check({ outages: [{ from: at(95), to: at(75) }] })).toEqual([
        `payments: the late_capture capture of order ${order} was refunded 90 s after it landed ` +
          '(bound 60 s, of which 20 s while order or payment was disturbed)',
      ]);
    });

    test('When a confirmed order records another payment than the captured one, then it is reported', async () => {
      const other = randomUUID();
      const order = stack.order(1, 1, 'CONFIRMED', 'COMMITTED', 'CAPTURED', undefined, {
        recordedPaymentId: other,
      });
      stack.setStock(1, 99);

      expect(await check()).toEqual([
        expect.stringMatching(
          new RegExp(`^payments: order ${order} records payment ${other} but the captured one is `),
        ),
      ]);
    });

    test('When the payment of a shipped order was refunded, then the order is reported with the refund reason', async () => {
      const order = stack.order(1, 1, 'SHIPPED', 'COMMITTED', 'REFUNDED', undefined, {
        refundReason: 'manual',
      });
      stack.setStock(1, 99);

      expect(await check()).toEqual([
        `payments: order ${order} is SHIPPED without a captured payment (its payment was refunded: manual)`,
        'payments: 0 captured payments for 1 confirmed, shipped or delivered orders',
      ]);
    });

    test('When stock is held for an order order-service does not know, then it is a release violation past the bound', async () => {
      const stray = stack.strayReservation(1, 3, ago(120));
      stack.setStock(1, 97);

      const violations = await check({ settled: false });

      expect(violations).toContain(
        `release: stock is RESERVED for unknown order ${stray} (for 120 s, bound 60 s)`,
      );
    });
  });

  test('When a PENDING order is older than the deadline, then it is reported', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    stack.order(1, 1, 'PENDING', undefined, undefined, old);

    expect(await check({ pendingDeadlineMs: 60_000 })).toEqual([
      expect.stringMatching(/^pending: .* for 600 s$/),
    ]);
  });
});
