import {
  createDataRuntime,
  createReadWriteClient,
  createUpstreamClient,
  loadMigrations,
  runMain,
  serve,
} from '@shop/platform';
import { createApp, refundBoundFromConfig, settingsFromConfig } from './app.js';
import { callBudgetMs, loadConfig } from './config.js';
import { effectEventHandlers } from './events/effect-handlers.js';
import { orderEventHandlers } from './events/handlers.js';
import { outboxOrderEvents } from './events/order-events.js';
import { reportRefundBound } from './order-metrics.js';
import { startRecoveryWorker, type RecoveryWorker } from './recovery-worker.js';
import { createInventoryPort } from './upstream/inventory-client.js';
import { createPaymentPort } from './upstream/payment-client.js';
import { serviceAuthorization } from './upstream/service-credentials.js';

const SERVICE = 'order-service';

runMain(SERVICE, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE, config, loadMigrations(import.meta.url));
  const { db, bus, logger, registry, tokens } = runtime;
  const authorization = serviceAuthorization(tokens, SERVICE);
  const upstream = {
    logger,
    registry,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    budgetMs: callBudgetMs(config),
    retries: config.UPSTREAM_RETRIES,
  };
  const inventoryClient = createUpstreamClient({
    name: 'inventory-service',
    baseUrl: config.INVENTORY_SERVICE_URL,
    ...upstream,
  });
  // Lookups (the recovery worker's) and charges/refunds have their own breakers: successful lookups must not
  // hide failing charges from the breaker that should stop them, nor failing charges block the lookups.
  const paymentClient = createReadWriteClient({
    name: 'payment-service',
    baseUrl: config.PAYMENT_SERVICE_URL,
    ...upstream,
  });

  const app = createApp({
    logger,
    registry,
    tokens,
    db,
    migrations: runtime.migrations,
    inventory: createInventoryPort(inventoryClient, authorization),
    payment: createPaymentPort(paymentClient, authorization),
    settings: settingsFromConfig(config),
    hooks: outboxOrderEvents(bus.outbox),
    readiness: { broker: bus.readiness },
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  // After the app: the handlers move orders through its lifecycle.
  await bus.consume({
    ...orderEventHandlers(app.shipments, logger),
    ...effectEventHandlers({ effects: app.effects, runTasks: app.runTasksFor, logger }),
  });
  const refundBoundMs = refundBoundFromConfig(config);
  reportRefundBound(registry, refundBoundMs);
  logger.info('a capture on an order that is not confirmed is refunded within the configured bound', {
    refundBoundMs,
  });

  let worker: RecoveryWorker | undefined;
  if (config.ORDER_RECOVERY_INTERVAL_MS > 0) {
    worker = startRecoveryWorker({
      intervalMs: config.ORDER_RECOVERY_INTERVAL_MS,
      logger,
      pass: async () => {
        await app.recoverPendingOrders();
        app.purgeIdempotencyKeys();
      },
    });
  }

  return serve(runtime, app, async () => {
    await worker?.stop();
    await Promise.all([inventoryClient.close(), paymentClient.close()]);
  });
});
