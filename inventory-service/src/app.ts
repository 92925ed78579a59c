import {
  checkDatabase,
  counter,
  createService,
  type Outbox,
  type Service,
  immediateTransactor,
  type ServiceAppDeps,
} from '@shop/platform';
import { inventoryMigrations } from './data/database.js';
import { createProductRepository } from './data/product-repository.js';
import { createReservationRepository } from './data/reservation-repository.js';
import { createCatalog } from './domain/catalog.js';
import { noReservationHooks, type ReservationHooks } from './domain/reservation.js';
import { createReservationBook } from './domain/reservations.js';
import { productRoutes } from './http/product-routes.js';
import { RESERVATION_OUTCOMES, reservationRoutes } from './http/reservation-routes.js';
import { stockEventHooks } from './events/stock-events.js';

export const SERVICE_NAME = 'inventory-service';

export interface InventoryDeps extends ServiceAppDeps {
  /** The event bus outbox: the state-changing transactions write their events into it. */
  outbox?: Outbox;
  /** Replace the outbox hooks run inside the transactions (tests); no-ops without an outbox. */
  hooks?: Partial<ReservationHooks>;
  now?: () => string;
}

export function createApp(deps: InventoryDeps): Service {
  const { db, logger, registry, tokens } = deps;
  const now = deps.now ?? (() => new Date().toISOString());
  const products = createProductRepository(db);
  const reservations = createReservationRepository(db);
  const transaction = immediateTransactor(db);
  const hooks: ReservationHooks = {
    ...noReservationHooks,
    ...(deps.outbox && stockEventHooks(deps.outbox)),
    ...deps.hooks,
  };

  const outcomes = counter(registry, {
    name: 'stock_reservations_total',
    help: 'Stock reservation state changes by outcome',
    labelNames: ['outcome'] as const,
  });
  for (const outcome of RESERVATION_OUTCOMES) outcomes.inc({ outcome }, 0);

  const catalog = createCatalog({ products, reservations, transaction, now });
  const book = createReservationBook({ products, reservations, transaction, hooks, now });
  const migrations = inventoryMigrations();

  return createService({
    name: SERVICE_NAME,
    logger,
    registry,
    tokens,
    routers: [productRoutes(catalog), reservationRoutes(book, outcomes)],
    database: db,
    readiness: {
      db: () => checkDatabase(db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
