import { counter, defineService, immediateTransactor, loadMigrations } from '@shop/platform/runtime';
import { seedDemoCatalog } from './data/demo-catalog.js';
import { createProductRepository } from './data/product-repository.js';
import { createReservationRepository } from './data/reservation-repository.js';
import { createCatalog } from './domain/catalog.js';
import { noReservationHooks, type ReservationHooks } from './domain/reservation.js';
import { createReservationBook } from './domain/reservations.js';
import { trackChanges } from './cache/change-events.js';
import { createProductCache } from './cache/product-cache.js';
import { loadConfig, productCacheSettings, type InventoryConfig } from './config.js';
import { stockEventHooks } from './events/stock-events.js';
import { productRoutes } from './http/product-routes.js';
import { RESERVATION_OUTCOMES, reservationRoutes } from './http/reservation-routes.js';

export const SERVICE_NAME = 'inventory-service';

/** What tests may replace (`startServiceForTest(inventoryService, { seams })`). */
export interface InventorySeams {
  /** Replace the outbox hooks run inside the stock transactions. */
  hooks: Partial<ReservationHooks>;
  now: () => string;
}

/** inventory-service: the catalogue and the stock reservations of orders. */
export const inventoryService = defineService<InventoryConfig, InventorySeams>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  compose({ db, bus, logger, registry, seams }, config) {
    if (config.SEED_DEMO_CATALOG) {
      const seeded = seedDemoCatalog(db);
      if (seeded > 0) logger.info('demo catalog seeded', { products: seeded });
    }
    const now = seams.now ?? (() => new Date().toISOString());
    const products = createProductRepository(db);
    const reservations = createReservationRepository(db);
    const cache = createProductCache(productCacheSettings(config), { logger, registry });
    // Every product or stock change writes its events through `events` inside its transaction; once it has
    // committed, the products those events name are invalidated in the cache (docs/features/caching.md).
    const { events, transaction } = trackChanges(bus.outbox, immediateTransactor(db), (ids) =>
      cache.invalidate(ids),
    );
    const stockEvents = stockEventHooks(events);
    const extra = { ...noReservationHooks, ...seams.hooks };
    // Test hooks run after the event hooks, never instead: a reservation always writes its event.
    const hooks: ReservationHooks = {
      onStockReserved(reservation) {
        stockEvents.onStockReserved(reservation);
        extra.onStockReserved(reservation);
      },
      onStockReleased(reservation, previousStatus) {
        stockEvents.onStockReleased(reservation, previousStatus);
        extra.onStockReleased(reservation, previousStatus);
      },
    };

    const outcomes = counter(registry, {
      name: 'stock_reservations_total',
      help: 'Stock reservation state changes by outcome',
      labelNames: ['outcome'] as const,
      startAtZero: { outcome: RESERVATION_OUTCOMES },
    });

    const catalog = createCatalog({ products, reservations, transaction, events, now });
    const book = createReservationBook({ products, reservations, transaction, hooks, now });
    return {
      routers: [productRoutes(catalog, cache), reservationRoutes(book, outcomes)],
      close: [() => cache.close()],
    };
  },
});
