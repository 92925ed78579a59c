import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  createTokenService,
  eventBusSettings,
  resolveJwtSecret,
  runMain,
  startServer,
  startServiceBus,
} from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { openShippingDatabase } from './data/database.js';
import { createShippingDependencies } from './dependencies.js';
import { shippingEventHandlers } from './events/handlers.js';
import { shipmentMetrics } from './shipment-metrics.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const logger = createLogger({
    service: SERVICE_NAME,
    level: config.LOG_LEVEL,
    file: config.LOG_FILE,
    console: config.LOG_TO_CONSOLE,
  });
  const registry = createMetricsRegistry(SERVICE_NAME);
  const db = openShippingDatabase(join(config.DATA_DIR, `${SERVICE_NAME}.db`));
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
  const bus = await startServiceBus({
    service: SERVICE_NAME,
    db,
    ...eventBusSettings(config),
    logger,
    registry,
  });
  const shipping = createShippingDependencies({ db, outbox: bus.outbox });
  const metrics = shipmentMetrics(registry);
  await bus.consume(shippingEventHandlers(shipping, logger, metrics));

  const service = createApp({
    db,
    logger,
    registry,
    tokens,
    shipping,
    metrics,
    brokerReadiness: bus.readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  const server = await startServer({
    service,
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdown: async () => {
      await bus.stop();
      db.close();
    },
  });
  logger.info(`${SERVICE_NAME} listening`, { url: server.url });
  return { stop: () => server.stop(), logger };
});
