import type { EventData, EventType } from '@shop/platform/contracts';
import type { NewProduct, Product, ProductDetails, ProductSort } from './product.js';
import type { Reservation, ReservationStatus } from './reservation.js';

/** The ports the inventory domain owns; src/data implements them on SQLite. */

export interface ProductPage {
  rows: Product[];
  total: number;
}

/** Thrown by `insert` and `update` when another product already has the SKU. */
export class DuplicateSkuError extends Error {
  constructor(readonly sku: string) {
    super(`SKU ${sku} is taken`);
    this.name = 'DuplicateSkuError';
  }
}

export interface ProductRepository {
  findById(id: number): Product | undefined;
  list(options: {
    q?: string | undefined;
    sort: ProductSort | 'id';
    limit: number;
    offset: number;
  }): ProductPage;
  /** Inserts and returns the product; `id` only for the seeded demo catalog. Throws DuplicateSkuError. */
  insert(product: NewProduct, now: string, id?: number): Product;
  /** The updated product, or undefined when there is none with this id. Throws DuplicateSkuError. */
  update(id: number, details: ProductDetails, now: string): Product | undefined;
  remove(id: number): boolean;
  /** Takes `quantity` units if that many are available; false (and nothing changed) otherwise. */
  takeStock(id: number, quantity: number, now: string): boolean;
  returnStock(id: number, quantity: number, now: string): void;
  /** Adds `delta` (may be negative) unless the result would be below zero. */
  adjustStock(id: number, delta: number, now: string): boolean;
  setStock(id: number, stock: number, now: string): boolean;
  /** True once any product was ever inserted (deleting them all does not make the catalog "new"). */
  everHadProducts(): boolean;
}

export interface ReservationRepository {
  find(orderId: string): Reservation | undefined;
  insert(reservation: Reservation, now: string): void;
  setStatus(orderId: string, status: ReservationStatus, now: string): void;
  hasActiveFor(productId: number): boolean;
}

/** What a transaction writes its events into: the outbox (when the bus is wired) and the cache's tracker. */
export interface EventSink {
  add<T extends EventType>(type: T, data: EventData<T>): void;
}
