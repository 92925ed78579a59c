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

/** A cached answer: the JSON body exactly as sent, and its strong ETag. */
export interface CachedBody {
  body: string;
  etag: string;
}

/**
 * Cache-aside product answers (src/cache/product-cache.ts): a read looks in the store, and on a miss the
 * caller's loader reads the database and the body is stored. Bodies are cached serialised with their ETag, so a
 * hit costs no JSON work. Only the public catalogue reads use it; the saga's reservations read prices inside
 * their own transaction.
 */
export interface ProductCache {
  readonly store: 'memory' | 'redis' | 'off';
  item(id: number, load: () => unknown): Promise<CachedBody>;
  /** `key` identifies the listing (search, sort, page, limit) and must be canonical. */
  list(key: string, load: () => unknown): Promise<CachedBody>;
  /** After a commit: these products' answers and every listing are stale. Never rejects. */
  invalidate(productIds: Iterable<number>): Promise<void>;
  close(): Promise<void>;
}
