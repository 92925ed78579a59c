import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  createTokenService,
  createUpstreamClient,
  eventBusSettings,
  loadMigrations,
  openDatabase,
  resolveJwtSecret,
  runMain,
  startServer,
  startServiceBus,
} from '@shop/platform';
import { createApp, settingsFromConfig } from './app.js';
import { loadConfig } from './config.js';
import { orderEventHandlers } from './events/handlers.js';
import { outboxOrderEvents } from './events/order-events.js';
import { startRecoveryWorker, type RecoveryWorker } from './recovery-worker.js';
import { createInventoryPort } from './upstream/inventory-client.js';
import { createPaymentPort } from './upstream/payment-client.js';
import { serviceAuthorization } from './upstream/service-credentials.js';

const SERVICE = 'order-service';

runMain(SERVICE, async () => {
  const config = loadConfig();
  const logger = createLogger({
    service: SERVICE,
    level: config.LOG_LEVEL,
    file: config.LOG_FILE,
    console: config.LOG_TO_CONSOLE,
    elasticsearchUrl: config.ELASTICSEARCH_URL,
  });
  const registry = createMetricsRegistry(SERVICE);
  const migrations = loadMigrations(import.meta.url);
  const db = openDatabase(join(config.DATA_DIR, `${SERVICE}.db`), migrations);
  const tokens = createTokenService({
    secret: resolveJwtSecret({
      nodeEnv: config.NODE_ENV,
      secret: config.JWT_SECRET,
      dataDir: config.DATA_DIR,
    }),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const authorization = serviceAuthorization(tokens, SERVICE);
  const upstream = {
    logger,
    registry,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    retries: config.UPSTREAM_RETRIES,
  };
  const inventoryClient = createUpstreamClient({
    name: 'inventory-service',
    baseUrl: config.INVENTORY_SERVICE_URL,
    ...upstream,
  });
  const paymentClient = createUpstreamClient({
    name: 'payment-service',
    baseUrl: config.PAYMENT_SERVICE_URL,
    ...upstream,
  });

  const bus = await startServiceBus({ service: SERVICE, db, ...eventBusSettings(config), logger, registry });

  const app = createApp({
    logger,
    registry,
    tokens,
    db,
    migrations,
    inventory: createInventoryPort(inventoryClient, authorization),
    payment: createPaymentPort(paymentClient, authorization),
    settings: settingsFromConfig(config),
    hooks: outboxOrderEvents(bus.outbox),
    readiness: { broker: bus.readiness },
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  // After the app: the handlers move orders through its lifecycle.
  await bus.consume(orderEventHandlers(app.shipments, logger));

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

  const server = await startServer({
    service: app,
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdown: async () => {
      await worker?.stop();
      // Before the database closes: finishes the handlers in flight and publishes what is left in the outbox.
      await bus.stop();
      await Promise.all([inventoryClient.close(), paymentClient.close()]);
      db.close();
    },
  });
  logger.info(`${SERVICE} listening on ${server.url}`, {
    inventory: config.INVENTORY_SERVICE_URL,
    payment: config.PAYMENT_SERVICE_URL,
  });
  return { stop: () => server.stop(), logger };
});
