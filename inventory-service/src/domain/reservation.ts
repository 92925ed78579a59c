import type { CURRENCY } from './product.js';

export type ReservationStatus = 'RESERVED' | 'RELEASED' | 'COMMITTED';

export interface ReservationLine {
  productId: number;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: ReservationLine[];
  totalCents: number;
  currency: typeof CURRENCY;
}

export interface RequestedItem {
  productId: number;
  quantity: number;
}

/**
 * Called inside the reservation's transaction, so whatever they write (the outbox) commits or rolls back
 * with the stock change. They must be synchronous: an await would end the transaction.
 */
export interface ReservationHooks {
  onStockReserved(reservation: Reservation): void;
  onStockReleased(reservation: Reservation, previousStatus: ReservationStatus): void;
}

export const noReservationHooks: ReservationHooks = {
  onStockReserved() {},
  onStockReleased() {},
};

/** One line per product, quantities of repeated lines added up, in first-seen order. */
export function mergeLines(items: readonly RequestedItem[]): RequestedItem[] {
  const merged = new Map<number, number>();
  for (const item of items) merged.set(item.productId, (merged.get(item.productId) ?? 0) + item.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** A repeated reserve for an order must ask for what the stored reservation holds. */
export function sameLines(reservation: Reservation, requested: readonly RequestedItem[]): boolean {
  if (reservation.items.length !== requested.length) return false;
  const held = new Map(reservation.items.map((line) => [line.productId, line.quantity]));
  return requested.every((item) => held.get(item.productId) === item.quantity);
}

export function totalOf(lines: readonly ReservationLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}
