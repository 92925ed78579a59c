import { randomUUID } from 'node:crypto';
import { MAX_ORDER_LINES, MAX_ORDER_QUANTITY } from '@shop/platform/api-contract';
import { createBudgetStore, defineService, loadMigrations } from '@shop/platform/runtime';
import { callBudgetMs, loadConfig, type OrderServiceConfig } from './config.js';
import { createCartRepository } from './data/cart-repository.js';
import { createIdempotencyRepository } from './data/idempotency-repository.js';
import { createOrderRepository } from './data/order-repository.js';
import { refundBoundMs, type DeadlinePolicy } from './domain/call-deadlines.js';
import { createCancellation } from './domain/cancellation.js';
import { createCart, type CartSettings } from './domain/cart.js';
import { createEffectReconciliation, type EffectReconciliation } from './domain/effect-reconciliation.js';
import { createTaskRunner } from './domain/follow-up-tasks.js';
import { createIdempotency } from './domain/idempotency.js';
import type { OrderRecord } from './domain/order.js';
import { createOrderLifecycle } from './domain/order-lifecycle.js';
import { createOrderPlacement } from './domain/order-placement.js';
import { guardPlacements } from './domain/placement-limits.js';
import { NO_EVENT_HOOKS, type Clock, type OrderEventHooks } from './domain/ports.js';
import { createRecovery, type RecoveryReport, type RecoverySettings } from './domain/recovery.js';
import { createOrderSaga } from './domain/saga.js';
import { createShipmentTracking, type ShipmentTracking } from './domain/shipment-tracking.js';
import { effectEventHandlers } from './events/effect-handlers.js';
import { orderEventHandlers } from './events/handlers.js';
import { outboxOrderEvents } from './events/order-events.js';
import { cartRoutes } from './http/cart-routes.js';
import { orderRoutes } from './http/routes.js';
import { createCartMetrics, createOrderMetrics, reportRefundBound } from './order-metrics.js';
import { startPeriodicWorker } from './periodic-worker.js';
import { createCataloguePort } from './upstream/catalogue-client.js';
import { createInventoryPort } from './upstream/inventory-client.js';
import { createPaymentPort } from './upstream/payment-client.js';
import { serviceAuthorization } from './upstream/service-credentials.js';

export const SERVICE_NAME = 'order-service';

export interface OrderSettings {
  retryAfterSeconds: number;
  recovery: RecoverySettings;
  taskBackoff: { baseMs: number; capMs: number };
  idempotencyKeyTtlMs: number;
  deadlines: DeadlinePolicy;
  cart: CartSettings;
}

export function settingsFromConfig(config: OrderServiceConfig): OrderSettings {
  return {
    retryAfterSeconds: config.DEPENDENCY_RETRY_AFTER_SECONDS,
    deadlines: { windowMs: config.ORDER_CALL_DEADLINE_MS, clockSkewMs: config.ORDER_CLOCK_SKEW_MS },
    recovery: {
      minAgeMs: config.ORDER_RECOVERY_MIN_AGE_MS,
      deadlineMs: config.ORDER_PENDING_DEADLINE_MS,
      hardDeadlineMs: 2 * config.ORDER_PENDING_DEADLINE_MS,
      backoffBaseMs: config.ORDER_RETRY_BASE_MS,
      backoffCapMs: config.ORDER_RETRY_MAX_MS,
      batchSize: config.ORDER_RECOVERY_BATCH_SIZE,
    },
    taskBackoff: { baseMs: config.ORDER_RETRY_BASE_MS, capMs: config.ORDER_RETRY_MAX_MS },
    idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_MS,
    cart: {
      idleTtlMs: config.CART_IDLE_TTL_MS,
      // The cart holds what an order may hold (the request schema's bound and the configured caps), so
      // checkout never refuses a cart's size.
      maxQuantity: Math.min(MAX_ORDER_QUANTITY, config.ORDER_MAX_QUANTITY_PER_PRODUCT),
      maxTotalQuantity: config.ORDER_MAX_QUANTITY_PER_ORDER,
      maxItems: MAX_ORDER_LINES,
      purgeBatchSize: 500,
    },
  };
}

/** The configured bound on how long a capture can stay on an order that is not confirmed (see call-deadlines.ts). */
export function refundBoundFromConfig(config: OrderServiceConfig): number {
  return refundBoundMs({
    windowMs: config.ORDER_CALL_DEADLINE_MS,
    clockSkewMs: config.ORDER_CLOCK_SKEW_MS,
    recoveryMinAgeMs: config.ORDER_RECOVERY_MIN_AGE_MS,
    recoveryIntervalMs: config.ORDER_RECOVERY_INTERVAL_MS,
    callBudgetMs: callBudgetMs(config),
  });
}

/** What tests may replace (`startServiceForTest(orderService, { seams })`). */
export interface OrderSeams {
  clock: Clock;
  /** Event hooks run inside the order's transactions (default: the outbox's). */
  hooks: Partial<OrderEventHooks>;
  newId: () => string;
  /** Settings the config would refuse (a recovery age shorter than a call's budget...). */
  settings: Partial<OrderSettings>;
}

/** The order use cases tests drive directly (the recovery pass on a chosen clock, fulfilment, purges). */
export interface OrderUseCases {
  /** One pass of the recovery worker. */
  recoverPendingOrders: (now?: Date) => Promise<RecoveryReport>;
  /** What shipping-service's events do to orders. */
  shipments: ShipmentTracking;
  /** What payment's and inventory's events do to orders. */
  effects: EffectReconciliation;
  /** Runs the order's due follow-up tasks now (after an event scheduled one). */
  runTasksFor: (orderId: string) => Promise<void>;
  /** Moves a confirmed order to SHIPPED or DELIVERED. */
  applyFulfilment(
    orderId: string,
    to: 'SHIPPED' | 'DELIVERED',
    at?: Date,
  ): { changed: boolean; order: OrderRecord };
  /** Forgets Idempotency-Key records older than the configured TTL. */
  purgeIdempotencyKeys: (now?: Date) => number;
  /** Deletes carts idle past CART_IDLE_TTL_MS (the cart-purge worker runs it on a timer). */
  purgeIdleCarts: (now?: Date) => number;
}

/** order-service: the order saga (reserve stock, charge, confirm), cancellation, recovery and order reads. */
export const orderService = defineService<OrderServiceConfig, OrderSeams, OrderUseCases>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  // An order, once answered or acted on, survives a power loss (docs/performance.md#sqlite-durability-per-database).
  synchronous: 'GROUPED',
  compose({ db, bus, logger, registry, tokens, seams, readWriteClient }, config) {
    const settings: OrderSettings = { ...settingsFromConfig(config), ...seams.settings };
    const clock: Clock = seams.clock ?? { now: () => new Date() };
    const hooks: OrderEventHooks = { ...NO_EVENT_HOOKS, ...(seams.hooks ?? outboxOrderEvents(bus.outbox)) };
    const metrics = createOrderMetrics(registry);

    const authorization = serviceAuthorization(tokens, SERVICE_NAME);
    const upstream = {
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      budgetMs: callBudgetMs(config),
      retries: config.UPSTREAM_RETRIES,
    };
    // Reservations (writes) and the cart's catalogue reads have their own breakers and pools.
    const inventoryClient = readWriteClient({
      name: 'inventory-service',
      baseUrl: config.INVENTORY_SERVICE_URL,
      ...upstream,
    });
    const inventory = createInventoryPort(inventoryClient, authorization);
    // Lookups (the recovery worker's) and charges/refunds have their own breakers: successful lookups must not
    // hide failing charges from the breaker that should stop them, nor failing charges block the lookups.
    const payment = createPaymentPort(
      readWriteClient({ name: 'payment-service', baseUrl: config.PAYMENT_SERVICE_URL, ...upstream }),
      authorization,
    );

    const store = createOrderRepository(db);
    const idempotency = createIdempotency(createIdempotencyRepository(db));
    // Orders whose saga (or recovery) is running in this process: recovery and cancellation leave them alone.
    const inFlight = new Set<string>();
    const lifecycle = createOrderLifecycle({ store, hooks, metrics });
    const tasks = createTaskRunner({
      store,
      inventory,
      payment,
      logger,
      backoff: settings.taskBackoff,
      deadlines: settings.deadlines,
    });
    const saga = createOrderSaga({
      store,
      inventory,
      payment,
      lifecycle,
      tasks,
      clock,
      hooks,
      metrics,
      inFlight,
      logger,
      newId: seams.newId ?? randomUUID,
      settings: { retryAfterSeconds: settings.retryAfterSeconds, deadlines: settings.deadlines },
    });
    const recovery = createRecovery({
      store,
      payment,
      lifecycle,
      tasks,
      clock,
      metrics,
      inFlight,
      logger,
      settings: settings.recovery,
      deadlines: settings.deadlines,
    });
    const cancellation = createCancellation({
      store,
      lifecycle,
      tasks,
      clock,
      inFlight,
      deadlines: settings.deadlines,
    });
    // Business-flow limits ahead of the saga: quantity caps, then the customer's placement budget.
    const budgetStore = createBudgetStore({
      db,
      redisUrl: config.REDIS_URL,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      logger,
    });
    const limits = {
      budget: budgetStore.budget({
        name: 'order_placement',
        points: config.ORDER_PLACEMENT_POINTS,
        durationSeconds: config.ORDER_PLACEMENT_DURATION_SECONDS,
      }),
      maxQuantityPerProduct: config.ORDER_MAX_QUANTITY_PER_PRODUCT,
      maxQuantityPerOrder: config.ORDER_MAX_QUANTITY_PER_ORDER,
    };

    const placements = guardPlacements(
      createOrderPlacement({ saga, idempotency, store, clock, logger }),
      limits,
    );
    const cart = createCart({
      carts: createCartRepository(db),
      orders: store,
      inFlight,
      catalogue: createCataloguePort(inventoryClient, authorization),
      placements,
      clock,
      metrics: createCartMetrics(registry),
      logger,
      settings: settings.cart,
    });
    const useCases: OrderUseCases = {
      shipments: createShipmentTracking({ store, lifecycle, clock }),
      effects: createEffectReconciliation({ store, lifecycle, clock }),
      runTasksFor: (orderId) => tasks.runForOrder(orderId, clock.now()),
      recoverPendingOrders: (now) => recovery.recoverPendingOrders(now),
      applyFulfilment: (orderId, to, at) => lifecycle.applyFulfilment(orderId, to, at ?? clock.now()),
      purgeIdempotencyKeys: (now) =>
        idempotency.purgeCreatedBefore(
          new Date((now ?? clock.now()).getTime() - settings.idempotencyKeyTtlMs).toISOString(),
        ),
      purgeIdleCarts: (now) => cart.purgeIdle(now),
    };

    const refundBound = refundBoundFromConfig(config);
    reportRefundBound(registry, refundBound);
    logger.info('a capture on an order that is not confirmed is refunded within the configured bound', {
      refundBoundMs: refundBound,
    });

    return {
      // Commits of reservations started after an answer finish before the clients and the database close.
      close: [() => tasks.settled(), () => budgetStore.close()],
      routers: [orderRoutes({ store, placements, cancellation }), cartRoutes(cart)],
      eventHandlers: {
        ...orderEventHandlers(useCases.shipments, logger),
        ...effectEventHandlers({ effects: useCases.effects, runTasks: useCases.runTasksFor, logger }),
      },
      workers: [
        ...(config.CART_PURGE_INTERVAL_MS > 0
          ? [
              {
                name: 'cart-purge',
                start: () =>
                  startPeriodicWorker({
                    name: 'cart-purge',
                    intervalMs: config.CART_PURGE_INTERVAL_MS,
                    logger,
                    failure: 'cart purge pass failed; the next pass retries',
                    pass: () => useCases.purgeIdleCarts(),
                  }),
              },
            ]
          : []),
        ...(config.ORDER_RECOVERY_INTERVAL_MS > 0
          ? [
              {
                name: 'order-recovery',
                start: () =>
                  startPeriodicWorker({
                    name: 'order-recovery',
                    intervalMs: config.ORDER_RECOVERY_INTERVAL_MS,
                    logger,
                    failure: 'order recovery pass failed',
                    pass: async () => {
                      await useCases.recoverPendingOrders();
                      useCases.purgeIdempotencyKeys();
                    },
                  }),
              },
            ]
          : []),
      ],
      exposed: useCases,
    };
  },
});
