import type { Db } from '@shop/platform/runtime';
import type { CartStore, StoredCart } from '../domain/ports.js';

interface CartRow {
  customer_id: string;
  checkout_order_id: string | null;
  created_at: string;
  updated_at: string;
}

interface LineRow {
  product_id: number;
  quantity: number;
  added_at: string;
}

/** Carts in order-service's SQLite file (docs/decisions/0120-cart-storage.md). Every method is synchronous. */
export function createCartRepository(db: Db): CartStore {
  const statements = {
    find: db.prepare<[string], CartRow>('SELECT * FROM carts WHERE customer_id = ?'),
    lines: db.prepare<[string], LineRow>(
      'SELECT product_id, quantity, added_at FROM cart_items WHERE customer_id = ? ORDER BY added_at, product_id',
    ),
    touch: db.prepare(
      `INSERT INTO carts (customer_id, created_at, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET updated_at = excluded.updated_at`,
    ),
    setLine: db.prepare(
      `INSERT INTO cart_items (customer_id, product_id, quantity, added_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer_id, product_id) DO UPDATE SET quantity = excluded.quantity`,
    ),
    removeLine: db.prepare('DELETE FROM cart_items WHERE customer_id = ? AND product_id = ?'),
    removeLines: db.prepare('DELETE FROM cart_items WHERE customer_id = ?'),
    removeCart: db.prepare('DELETE FROM carts WHERE customer_id = ?'),
    markCheckout: db.prepare('UPDATE carts SET checkout_order_id = ?, updated_at = ? WHERE customer_id = ?'),
    expired: db.prepare<[string, number], { customer_id: string }>(
      'SELECT customer_id FROM carts WHERE updated_at < ? ORDER BY updated_at LIMIT ?',
    ),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM carts'),
  };

  return {
    transaction<T>(work: () => T): T {
      return db.transaction(work)();
    },
    find(customerId: string): StoredCart | undefined {
      const row = statements.find.get(customerId);
      if (row === undefined) return undefined;
      return {
        customerId: row.customer_id,
        checkoutOrderId: row.checkout_order_id,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        lines: statements.lines
          .all(customerId)
          .map((line) => ({ productId: line.product_id, quantity: line.quantity, addedAt: line.added_at })),
      };
    },
    /** Creates the cart if needed and records activity on it. */
    touch(customerId: string, at: string): void {
      statements.touch.run(customerId, at, at);
    },
    setLine(customerId: string, productId: number, quantity: number, at: string): void {
      statements.setLine.run(customerId, productId, quantity, at);
    },
    removeLine(customerId: string, productId: number): boolean {
      return statements.removeLine.run(customerId, productId).changes > 0;
    },
    /** Deletes the cart and its lines. */
    remove(customerId: string): void {
      statements.removeLines.run(customerId);
      statements.removeCart.run(customerId);
    },
    markCheckout(customerId: string, orderId: string | null, at: string): void {
      statements.markCheckout.run(orderId, at, customerId);
    },
    /** Customers whose cart has been idle since before `before`, oldest first. */
    idleSince(before: string, limit: number): string[] {
      return statements.expired.all(before, limit).map((row) => row.customer_id);
    },
    count(): number {
      return statements.count.get()?.n ?? 0;
    },
  };
}
