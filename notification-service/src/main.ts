import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  createTokenService,
  createUpstreamClient,
  eventBusSettings,
  resolveJwtSecret,
  runMain,
  startServer,
  startServiceBus,
} from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { openNotificationDatabase } from './data/database.js';
import { createNotificationDependencies } from './dependencies.js';
import { notificationEventHandlers } from './events/handlers.js';
import { notificationMetrics } from './notification-metrics.js';
import { fileSender } from './senders/file-sender.js';
import { logSender } from './senders/log-sender.js';
import { customerLookup } from './upstream/customer-lookup.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const logger = createLogger({
    service: SERVICE_NAME,
    level: config.LOG_LEVEL,
    file: config.LOG_FILE,
    console: config.LOG_TO_CONSOLE,
  });
  const registry = createMetricsRegistry(SERVICE_NAME);
  const db = openNotificationDatabase(join(config.DATA_DIR, `${SERVICE_NAME}.db`));
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
  const customers = createUpstreamClient({
    name: 'customer-service',
    baseUrl: config.CUSTOMER_SERVICE_URL,
    logger,
    registry,
    timeoutMs: config.CUSTOMER_LOOKUP_TIMEOUT_MS,
  });
  const sender =
    config.NOTIFICATION_SENDER === 'log'
      ? logSender(logger)
      : fileSender({
          file: config.NOTIFICATION_MAIL_FILE ?? join(config.DATA_DIR, 'outbox-mail', `${SERVICE_NAME}.log`),
          logger,
        });
  const notifier = createNotificationDependencies({
    db,
    sender,
    lookup: customerLookup(customers, tokens, SERVICE_NAME),
  });
  const bus = await startServiceBus({
    service: SERVICE_NAME,
    db,
    ...eventBusSettings(config),
    logger,
    registry,
    handlers: notificationEventHandlers(notifier, logger, notificationMetrics(registry)),
  });

  const service = createApp({
    db,
    logger,
    registry,
    tokens,
    notifier,
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
      await customers.close();
      db.close();
    },
  });
  logger.info(`${SERVICE_NAME} listening`, { url: server.url });
  return { stop: () => server.stop(), logger };
});
