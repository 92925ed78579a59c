import { join } from 'node:path';
import { appDeps, createDataRuntime, createUpstreamClient, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { notificationMigrations } from './data/database.js';
import { createNotificationDependencies } from './dependencies.js';
import { notificationEventHandlers } from './events/handlers.js';
import { notificationMetrics } from './notification-metrics.js';
import { fileSender } from './senders/file-sender.js';
import { logSender } from './senders/log-sender.js';
import { customerLookup } from './upstream/customer-lookup.js';
import { orderLookup } from './upstream/order-lookup.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, notificationMigrations());
  const { db, bus, logger, registry, tokens } = runtime;
  const customers = createUpstreamClient({
    name: 'customer-service',
    baseUrl: config.CUSTOMER_SERVICE_URL,
    logger,
    registry,
    timeoutMs: config.CUSTOMER_LOOKUP_TIMEOUT_MS,
  });
  const orders = createUpstreamClient({
    name: 'order-service',
    baseUrl: config.ORDER_SERVICE_URL,
    logger,
    registry,
    timeoutMs: config.ORDER_LOOKUP_TIMEOUT_MS,
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
    orders: orderLookup(orders, tokens, SERVICE_NAME),
  });
  await bus.consume(notificationEventHandlers(notifier, logger, notificationMetrics(registry)));

  const service = createApp({ ...appDeps(runtime, config), notifier });
  return serve(runtime, service, () =>
    Promise.all([customers.close(), orders.close()]).then(() => undefined),
  );
});
