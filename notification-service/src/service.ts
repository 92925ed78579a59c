import { join } from 'node:path';
import { defineService, loadMigrations } from '@shop/platform/runtime';
import { createAnalytics } from './analytics/analytics.js';
import { loadConfig, type NotificationConfig } from './config.js';
import { createCustomerDirectoryRepository } from './data/customer-directory-repository.js';
import { createNotificationRepository } from './data/notification-repository.js';
import { createNotifier, type Notifier } from './domain/notifier.js';
import type { CustomerLookup, NotificationSender } from './domain/ports.js';
import { notificationEventHandlers } from './events/handlers.js';
import { notificationRoutes } from './http/routes.js';
import { notificationMetrics } from './notification-metrics.js';
import { fileSender } from './senders/file-sender.js';
import { logSender } from './senders/log-sender.js';
import { customerLookup } from './upstream/customer-lookup.js';
import { orderLookup } from './upstream/order-lookup.js';
import { paymentLookup } from './upstream/payment-lookup.js';

export const SERVICE_NAME = 'notification-service';

/** What tests may replace (`startServiceForTest(notificationService, { seams })`). */
export interface NotificationSeams {
  /** Replaces the lookup of customers over HTTP. */
  lookup: CustomerLookup;
  sender: NotificationSender;
  now: () => Date;
}

/** notification-service: tells customers about their orders and shipments, once per event. */
export const notificationService = defineService<NotificationConfig, NotificationSeams, Notifier>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  compose({ db, bus, logger, registry, tokens, seams, upstreamClient }, config) {
    const customers = upstreamClient({
      name: 'customer-service',
      baseUrl: config.CUSTOMER_SERVICE_URL,
      timeoutMs: config.CUSTOMER_LOOKUP_TIMEOUT_MS,
    });
    const orders = upstreamClient({
      name: 'order-service',
      baseUrl: config.ORDER_SERVICE_URL,
      timeoutMs: config.ORDER_LOOKUP_TIMEOUT_MS,
    });
    const payments = upstreamClient({
      name: 'payment-service',
      baseUrl: config.PAYMENT_SERVICE_URL,
      timeoutMs: config.PAYMENT_LOOKUP_TIMEOUT_MS,
    });
    const sender =
      seams.sender ??
      (config.NOTIFICATION_SENDER === 'log'
        ? logSender(logger)
        : fileSender({
            file:
              config.NOTIFICATION_MAIL_FILE ?? join(config.DATA_DIR, 'outbox-mail', `${SERVICE_NAME}.log`),
            logger,
          }));
    const notifier = createNotifier({
      notifications: createNotificationRepository(db),
      directory: createCustomerDirectoryRepository(db),
      lookup: seams.lookup ?? customerLookup(customers, tokens, SERVICE_NAME),
      orders: orderLookup(orders, tokens, SERVICE_NAME),
      payments: paymentLookup(payments, tokens, SERVICE_NAME),
      sender,
      now: seams.now ?? (() => new Date()),
    });
    const analytics = createAnalytics({
      service: SERVICE_NAME,
      db,
      transport: bus.transport,
      logger,
      registry,
      settings: {
        ratePoints: config.ANALYTICS_RATE_LIMIT_POINTS,
        rateWindowSeconds: config.ANALYTICS_RATE_LIMIT_WINDOW_SECONDS,
        retentionDays: config.ANALYTICS_RETENTION_DAYS,
      },
    });
    return {
      routers: [notificationRoutes(notifier), analytics.router],
      workers: analytics.workers,
      eventHandlers: notificationEventHandlers(notifier, logger, notificationMetrics(registry)),
      exposed: notifier,
    };
  },
});
