import { randomUUID } from 'node:crypto';
import {
  checkDatabase,
  createService,
  type Db,
  type Logger,
  type Migration,
  type Registry,
  type Service,
  type TokenService,
} from '@shop/platform';
import { createIdempotencyRepository } from './data/idempotency-repository.js';
import { createOrderRepository } from './data/order-repository.js';
import { refundBoundMs, type DeadlinePolicy } from './domain/call-deadlines.js';
import { createCancellation } from './domain/cancellation.js';
import { createEffectReconciliation, type EffectReconciliation } from './domain/effect-reconciliation.js';
import { createTaskRunner } from './domain/follow-up-tasks.js';
import { createIdempotency } from './domain/idempotency.js';
import type { OrderRecord } from './domain/order.js';
import { createOrderLifecycle } from './domain/order-lifecycle.js';
import {
  NO_EVENT_HOOKS,
  type Clock,
  type InventoryPort,
  type OrderEventHooks,
  type PaymentPort,
} from './domain/ports.js';
import { createRecovery, type RecoveryReport, type RecoverySettings } from './domain/recovery.js';
import { createOrderSaga } from './domain/saga.js';
import { createShipmentTracking, type ShipmentTracking } from './domain/shipment-tracking.js';
import { callBudgetMs, type OrderServiceConfig } from './config.js';
import { orderRoutes } from './http/routes.js';
import { createOrderMetrics } from './order-metrics.js';

export interface OrderSettings {
  retryAfterSeconds: number;
  recovery: RecoverySettings;
  taskBackoff: { baseMs: number; capMs: number };
  idempotencyKeyTtlMs: number;
  deadlines: DeadlinePolicy;
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

export interface OrderAppDeps {
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  db: Db;
  migrations: Migration[];
  inventory: InventoryPort;
  payment: PaymentPort;
  settings: OrderSettings;
  clock?: Clock;
  /** Event hooks run inside the order's transactions: main.ts passes `outboxOrderEvents(bus.outbox)`. */
  hooks?: Partial<OrderEventHooks>;
  newId?: () => string;
  readiness?: Parameters<typeof createService>[0]['readiness'];
  bodyLimitBytes?: number;
  chaosEnabled?: boolean;
}

export interface OrderServiceApp extends Service {
  /** One pass of the recovery worker (main.ts runs it on a timer; tests call it with a chosen `now`). */
  recoverPendingOrders(now?: Date): Promise<RecoveryReport>;
  /** What shipping-service's events do to orders (src/events/handlers.ts consumes them through it). */
  shipments: ShipmentTracking;
  /** What payment's and inventory's events do to orders (src/events/effect-handlers.ts). */
  effects: EffectReconciliation;
  /** Runs the order's due follow-up tasks now (after an event scheduled one). */
  runTasksFor: (orderId: string) => Promise<void>;
  /** Moves a confirmed order to SHIPPED or DELIVERED (the shipment events go through `shipments`). */
  applyFulfilment(
    orderId: string,
    to: 'SHIPPED' | 'DELIVERED',
    at?: Date,
  ): { changed: boolean; order: OrderRecord };
  /** Forgets Idempotency-Key records older than the configured TTL. */
  purgeIdempotencyKeys(now?: Date): number;
}

export function createApp(deps: OrderAppDeps): OrderServiceApp {
  const { logger, db, settings } = deps;
  const clock: Clock = deps.clock ?? { now: () => new Date() };
  const hooks: OrderEventHooks = { ...NO_EVENT_HOOKS, ...deps.hooks };
  const metrics = createOrderMetrics(deps.registry);
  const store = createOrderRepository(db);
  const idempotency = createIdempotency(createIdempotencyRepository(db));
  // Orders whose saga (or recovery) is running in this process: recovery and cancellation leave them alone.
  const inFlight = new Set<string>();

  const lifecycle = createOrderLifecycle({ store, hooks, metrics });
  const tasks = createTaskRunner({
    store,
    inventory: deps.inventory,
    payment: deps.payment,
    logger,
    backoff: settings.taskBackoff,
    deadlines: settings.deadlines,
  });
  const saga = createOrderSaga({
    store,
    inventory: deps.inventory,
    payment: deps.payment,
    lifecycle,
    tasks,
    clock,
    hooks,
    metrics,
    inFlight,
    logger,
    newId: deps.newId ?? randomUUID,
    settings: { retryAfterSeconds: settings.retryAfterSeconds, deadlines: settings.deadlines },
  });
  const recovery = createRecovery({
    store,
    payment: deps.payment,
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

  const service = createService({
    name: 'order-service',
    logger,
    registry: deps.registry,
    tokens: deps.tokens,
    routers: [orderRoutes({ store, saga, idempotency, cancellation, clock })],
    database: db,
    readiness: { db: () => checkDatabase(db, deps.migrations), ...deps.readiness },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });

  return Object.assign(service, {
    shipments: createShipmentTracking({ store, lifecycle, clock }),
    effects: createEffectReconciliation({ store, lifecycle, clock }),
    runTasksFor: (orderId: string) => tasks.runForOrder(orderId, clock.now()),
    recoverPendingOrders: (now?: Date) => recovery.recoverPendingOrders(now),
    applyFulfilment: (orderId: string, to: 'SHIPPED' | 'DELIVERED', at?: Date) =>
      lifecycle.applyFulfilment(orderId, to, at ?? clock.now()),
    purgeIdempotencyKeys: (now?: Date) =>
      idempotency.purgeCreatedBefore(
        new Date((now ?? clock.now()).getTime() - settings.idempotencyKeyTtlMs).toISOString(),
      ),
  });
}
