import { join } from 'node:path';
import { ANALYTICS_CLIENT_EVENT_TYPES } from '@shop/platform/api-contract';
import { ANALYTICS_QUEUE } from '@shop/platform/contracts';
import {
  createBudgetStore,
  defineService,
  loadMigrations,
  OWNER_LOOKUP,
  startConsumer,
  type BackgroundWorker,
  type Subscription,
} from '@shop/platform/runtime';
import { loadConfig, type NotificationConfig } from './config.js';
import { createAnalyticsStore } from './data/analytics-store.js';
import { createCustomerDirectoryRepository } from './data/customer-directory-repository.js';
import { createNotificationRepository } from './data/notification-repository.js';
import { createAnalytics, type Analytics } from './domain/analytics.js';
import { BUSINESS_EVENT_TYPES } from './domain/analytics-rules.js';
import { createNotifier, type Notifier } from './domain/notifier.js';
import type { CustomerLookup, NotificationSender } from './domain/ports.js';
import type { AggregateOwners } from './domain/subject-check.js';
import { analyticsEventHandlers } from './events/analytics-handlers.js';
import { notificationEventHandlers } from './events/handlers.js';
import { analyticsRoutes } from './http/analytics-routes.js';
import { notificationRoutes } from './http/routes.js';
import { analyticsMetrics, notificationMetrics } from './notification-metrics.js';
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
    // The consumers' lookups of owners: no breaker (OWNER_LOOKUP), the bus's retry schedule paces them.
    const customers = upstreamClient({
      name: 'customer-service',
      baseUrl: config.CUSTOMER_SERVICE_URL,
      timeoutMs: config.CUSTOMER_LOOKUP_TIMEOUT_MS,
      ...OWNER_LOOKUP,
    });
    const orders = upstreamClient({
      name: 'order-service',
      baseUrl: config.ORDER_SERVICE_URL,
      timeoutMs: config.ORDER_LOOKUP_TIMEOUT_MS,
      ...OWNER_LOOKUP,
    });
    const payments = upstreamClient({
      name: 'payment-service',
      baseUrl: config.PAYMENT_SERVICE_URL,
      timeoutMs: config.PAYMENT_LOOKUP_TIMEOUT_MS,
      ...OWNER_LOOKUP,
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
    const owners: AggregateOwners = {
      customers: seams.lookup ?? customerLookup(customers, tokens, SERVICE_NAME),
      orders: orderLookup(orders, tokens, SERVICE_NAME),
      payments: paymentLookup(payments, tokens, SERVICE_NAME),
    };
    const notifier = createNotifier({
      notifications: createNotificationRepository(db),
      directory: createCustomerDirectoryRepository(db),
      lookup: owners.customers,
      orders: owners.orders,
      payments: owners.payments,
      sender,
      now: seams.now ?? (() => new Date()),
    });
    const budgetStore = createBudgetStore({
      db,
      redisUrl: config.REDIS_URL,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      logger,
    });
    const analytics = createAnalytics({
      store: createAnalyticsStore(db),
      metrics: analyticsMetrics(registry, [...ANALYTICS_CLIENT_EVENT_TYPES, ...BUSINESS_EVENT_TYPES]),
      settings: { retentionDays: config.ANALYTICS_RETENTION_DAYS },
      ingestion: budgetStore.budget({
        name: 'analytics',
        points: config.ANALYTICS_RATE_LIMIT_POINTS,
        durationSeconds: config.ANALYTICS_RATE_LIMIT_WINDOW_SECONDS,
      }),
    });
    const analyticsWorkers = analyticsBackground(analytics, {
      start: () =>
        startConsumer({
          db,
          transport: bus.transport,
          // Its own queue (and inbox): analytics never delays or retries notifications.
          queue: ANALYTICS_QUEUE,
          handlers: analyticsEventHandlers(analytics, owners),
          logger,
          registry,
        }),
      logger,
    });
    return {
      routers: [notificationRoutes(notifier), analyticsRoutes(analytics, tokens)],
      workers: analyticsWorkers,
      eventHandlers: notificationEventHandlers(notifier, logger, notificationMetrics(registry)),
      exposed: notifier,
      close: [() => budgetStore.close()],
    };
  },
});

/** Consumes the business events on the analytics queue, and purges events past the retention once an hour. */
function analyticsBackground(
  analytics: Analytics,
  deps: {
    start: () => Promise<Subscription>;
    logger: { info(message: string, fields?: object): void; error(message: string, fields?: object): void };
  },
): BackgroundWorker[] {
  const { logger } = deps;
  return [
    {
      name: 'analytics consumer',
      start() {
        const subscription: Promise<Subscription | undefined> = deps.start().catch((error: unknown) => {
          logger.error('Analytics consumer could not start: business events are not counted', { err: error });
          return undefined;
        });
        return { stop: async () => (await subscription)?.stop() };
      },
    },
    {
      name: 'analytics retention',
      start() {
        const purge = () => {
          const removed = analytics.purgeExpired();
          if (removed > 0)
            logger.info('Analytics events past their retention deleted', { analytics: { removed } });
        };
        purge();
        const timer = setInterval(purge, 3_600_000);
        timer.unref();
        return { stop: () => clearInterval(timer) };
      },
    },
  ];
}
