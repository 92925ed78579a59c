import { AppError, conflict, notFound, type Transactor } from '@shop/platform/runtime';
import type { ProductRepository, ReservationRepository } from './ports.js';
import { CURRENCY } from './product.js';
import {
  mergeLines,
  sameLines,
  totalOf,
  type RequestedItem,
  type Reservation,
  type ReservationHooks,
  type ReservationLine,
} from './reservation.js';

export type ReserveResult =
  | { outcome: 'reserved'; reservation: Reservation }
  /** The order already has a reservation: nothing changed, the stored one is returned (idempotency). */
  | { outcome: 'existing'; reservation: Reservation }
  | { outcome: 'out_of_stock'; productId: number; requested: number; available: number }
  | { outcome: 'unknown_product'; productIds: number[] }
  /** The request arrived after its deadline: nothing was reserved (order-service has given up on it). */
  | { outcome: 'deadline_passed'; deadline: Date };

/** A status change, or the repeat of one that already happened (`changed: false`). */
export interface Transition {
  reservation: Reservation;
  changed: boolean;
}

export interface ReservationDeps {
  products: ProductRepository;
  reservations: ReservationRepository;
  transaction: Transactor;
  hooks: ReservationHooks;
  now: () => string;
}

/** Thrown inside the transaction to roll back the lines already taken. */
class OutOfStock extends Error {
  constructor(readonly result: Extract<ReserveResult, { outcome: 'out_of_stock' }>) {
    super('out of stock');
  }
}

export type ReservationBook = ReturnType<typeof createReservationBook>;

export function createReservationBook({ products, reservations, transaction, hooks, now }: ReservationDeps) {
  function existing(orderId: string): Reservation {
    const reservation = reservations.find(orderId);
    if (!reservation) throw notFound('Reservation');
    return reservation;
  }

  function mismatch(orderId: string): AppError {
    return new AppError(
      'idempotency_mismatch',
      `Order ${orderId} already has a reservation for different items`,
      422,
    );
  }

  /**
   * All or nothing, in one IMMEDIATE transaction: every line is taken with a conditional UPDATE
   * (stock >= quantity), and the first short line rolls back the ones before it. A new reservation is
   * refused past `deadline`: after it, order-service takes "no reservation" as final and releases nothing.
   */
  async function reserve(
    orderId: string,
    items: readonly RequestedItem[],
    deadline?: Date,
  ): Promise<ReserveResult> {
    const wanted = mergeLines(items);
    try {
      return await transaction((): ReserveResult => {
        const stored = reservations.find(orderId);
        if (stored) {
          if (!sameLines(stored, wanted)) throw mismatch(orderId);
          return { outcome: 'existing', reservation: stored };
        }
        if (deadline !== undefined && Date.parse(now()) > deadline.getTime()) {
          return { outcome: 'deadline_passed', deadline };
        }
        const found = wanted.map((item) => products.findById(item.productId));
        const unknown = wanted.filter((_, index) => found[index] === undefined).map((item) => item.productId);
        if (unknown.length > 0) return { outcome: 'unknown_product', productIds: unknown };

        const timestamp = now();
        const lines: ReservationLine[] = wanted.map((item, index) => {
          const product = found[index];
          if (!product) throw new Error('unreachable: unknown products were handled above');
          if (!products.takeStock(item.productId, item.quantity, timestamp)) {
            const available = products.findById(item.productId)?.stock ?? 0;
            throw new OutOfStock({
              outcome: 'out_of_stock',
              productId: item.productId,
              requested: item.quantity,
              available,
            });
          }
          return {
            productId: product.id,
            name: product.name,
            quantity: item.quantity,
            unitPriceCents: product.priceCents,
          };
        });
        const reservation: Reservation = {
          orderId,
          status: 'RESERVED',
          items: lines,
          totalCents: totalOf(lines),
          currency: CURRENCY,
        };
        reservations.insert(reservation, timestamp);
        hooks.onStockReserved(reservation);
        return { outcome: 'reserved', reservation };
      });
    } catch (error) {
      if (error instanceof OutOfStock) return error.result;
      throw error;
    }
  }

  /** Returns the units to stock; also restocks a COMMITTED reservation (an order cancelled after payment). */
  function release(orderId: string): Promise<Transition> {
    return transaction(() => {
      const reservation = existing(orderId);
      if (reservation.status === 'RELEASED') return { reservation, changed: false };
      const timestamp = now();
      for (const line of reservation.items) products.returnStock(line.productId, line.quantity, timestamp);
      reservations.setStatus(orderId, 'RELEASED', timestamp);
      const released: Reservation = { ...reservation, status: 'RELEASED' };
      hooks.onStockReleased(released, reservation.status);
      return { reservation: released, changed: true };
    });
  }

  function commit(orderId: string): Promise<Transition> {
    return transaction(() => {
      const reservation = existing(orderId);
      if (reservation.status === 'COMMITTED') return { reservation, changed: false };
      if (reservation.status === 'RELEASED') {
        throw conflict('reservation_released', 'The reservation was released; its units are back in stock');
      }
      reservations.setStatus(orderId, 'COMMITTED', now());
      return { reservation: { ...reservation, status: 'COMMITTED' }, changed: true };
    });
  }

  return { reserve, release, commit, get: existing };
}
