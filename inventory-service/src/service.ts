import { counter, defineService, immediateTransactor, loadMigrations } from '@shop/platform';
import { loadConfig, type InventoryConfig } from './config.js';
import { seedDemoCatalog } from './data/demo-catalog.js';
import { createProductRepository } from './data/product-repository.js';
import { createReservationRepository } from './data/reservation-repository.js';
import { createCatalog } from './domain/catalog.js';
import { noReservationHooks, type ReservationHooks } from './domain/reservation.js';
import { createReservationBook } from './domain/reservations.js';
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
    const transaction = immediateTransactor(db);
    const hooks: ReservationHooks = { ...noReservationHooks, ...stockEventHooks(bus.outbox), ...seams.hooks };

    const outcomes = counter(registry, {
      name: 'stock_reservations_total',
      help: 'Stock reservation state changes by outcome',
      labelNames: ['outcome'] as const,
    });
    for (const outcome of RESERVATION_OUTCOMES) outcomes.inc({ outcome }, 0);

    const catalog = createCatalog({ products, reservations, transaction, now });
    const book = createReservationBook({ products, reservations, transaction, hooks, now });
    return { routers: [productRoutes(catalog), reservationRoutes(book, outcomes)] };
  },
});
