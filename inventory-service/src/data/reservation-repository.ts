import type { Db } from '@shop/platform/runtime';
import { CURRENCY } from '../domain/product.js';
import type { ReservationRepository } from '../domain/ports.js';
import type { Reservation, ReservationLine, ReservationStatus } from '../domain/reservation.js';

interface ReservationRow {
  order_id: string;
  status: ReservationStatus;
  total_cents: number;
}

interface LineRow {
  product_id: number;
  name: string;
  quantity: number;
  unit_price_cents: number;
}

export function createReservationRepository(db: Db): ReservationRepository {
  const byOrder = db.prepare<[string], ReservationRow>(
    'SELECT order_id, status, total_cents FROM reservations WHERE order_id = ?',
  );
  const linesOf = db.prepare<[string], LineRow>(
    'SELECT product_id, name, quantity, unit_price_cents FROM reservation_items WHERE order_id = ? ORDER BY line',
  );
  const insertReservation = db.prepare<[string, ReservationStatus, number, string, string, string]>(
    'INSERT INTO reservations (order_id, status, total_cents, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertLine = db.prepare<[string, number, number, string, number, number]>(
    `INSERT INTO reservation_items (order_id, line, product_id, name, quantity, unit_price_cents)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const updateStatus = db.prepare<[ReservationStatus, string, string]>(
    'UPDATE reservations SET status = ?, updated_at = ? WHERE order_id = ?',
  );
  const activeForProduct = db.prepare<[number], { found: number }>(
    `SELECT 1 AS found FROM reservation_items i JOIN reservations r ON r.order_id = i.order_id
     WHERE i.product_id = ? AND r.status = 'RESERVED' LIMIT 1`,
  );

  return {
    find(orderId: string): Reservation | undefined {
      const row = byOrder.get(orderId);
      if (!row) return undefined;
      const items: ReservationLine[] = linesOf.all(orderId).map((line) => ({
        productId: line.product_id,
        name: line.name,
        quantity: line.quantity,
        unitPriceCents: line.unit_price_cents,
      }));
      return { orderId: row.order_id, status: row.status, items, totalCents: row.total_cents, currency: CURRENCY };
    },

    insert(reservation: Reservation, now: string): void {
      insertReservation.run(reservation.orderId, reservation.status, reservation.totalCents, reservation.currency, now, now);
      reservation.items.forEach((line, index) => {
        insertLine.run(reservation.orderId, index, line.productId, line.name, line.quantity, line.unitPriceCents);
      });
    },

    setStatus(orderId: string, status: ReservationStatus, now: string): void {
      updateStatus.run(status, now, orderId);
    },

    /** True when a RESERVED (not yet committed or released) reservation holds units of the product. */
    hasActiveFor(productId: number): boolean {
      return activeForProduct.get(productId) !== undefined;
    },
  };
}
