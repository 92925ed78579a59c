import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  createTokenService,
  createUpstreamClient,
  loadMigrations,
  openDatabase,
  resolveJwtSecret,
  runMain,
  startServer,
} from '@shop/platform';
import { createApp, settingsFromConfig } from './app.js';
import { loadConfig } from './config.js';
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

  const app = createApp({
    logger,
    registry,
    tokens,
    db,
    migrations,
    inventory: createInventoryPort(inventoryClient, authorization),
    payment: createPaymentPort(paymentClient, authorization),
    settings: settingsFromConfig(config),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
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

  const server = await startServer({
    service: app,
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdown: async () => {
      await worker?.stop();
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
