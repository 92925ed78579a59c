import { Router } from '@koa/router';
import { abilityFor } from '@shop/platform/contracts';
import {
  authorize,
  forbidden,
  counter,
  parseInput,
  startConsumer,
  type BackgroundWorker,
  type Db,
  type EventHandlers,
  type EventTransport,
  type Logger,
  type Registry,
  type Subscription,
} from '@shop/platform/runtime';
import { createAnalyticsStore } from './analytics-store.js';
import {
  BUSINESS_EVENT_TYPES,
  CLIENT_EVENT_TYPES,
  clientEventBody,
  summaryQuery,
  type BusinessEventType,
} from './event-rules.js';
import { ingestionLimit } from './ingestion-limit.js';

export interface AnalyticsSettings {
  ratePoints: number;
  rateWindowSeconds: number;
  retentionDays: number;
}

/** The queue (and inbox name) of the analytics consumer: its own, so it never delays or retries notifications. */
export const ANALYTICS_QUEUE_SUFFIX = '.analytics';

/**
 * The analytics module of notification-service (decision 0112): client behaviour events in, business facts
 * from the bus counted, an admin summary out. Its own tables, consumer queue and inbox; nothing in it knows
 * who a customer is.
 */
export function createAnalytics(deps: {
  service: string;
  db: Db;
  transport: EventTransport;
  logger: Logger;
  registry: Registry;
  settings: AnalyticsSettings;
  now?: () => Date;
}) {
  const { db, logger, registry, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const store = createAnalyticsStore(db);
  const events = counter(registry, {
    name: 'analytics_events_total',
    help: 'Analytics events recorded, by type (client behaviour events and business events from the bus)',
    labelNames: ['type'] as const,
  });
  const rejections = counter(registry, {
    name: 'rate_limit_rejections_total',
    help: 'Requests refused by a rate limiter',
    labelNames: ['limiter'] as const,
  });
  for (const type of [...CLIENT_EVENT_TYPES, ...BUSINESS_EVENT_TYPES]) events.inc({ type }, 0);
  rejections.inc({ limiter: 'analytics' }, 0);
  const limit = ingestionLimit({ points: settings.ratePoints, windowMs: settings.rateWindowSeconds * 1000 });

  const router = new Router({ prefix: '/api/analytics' });

  // Anonymous or signed in. The client is the user when signed in, else the address the gateway saw.
  router.post('/events', (ctx) => {
    const user = ctx.state.user;
    // Anonymous callers too (authorize() requires a user): the shared abilities grant it to everyone.
    if (!abilityFor(user).can('create', 'Analytics')) throw forbidden();
    const client = user
      ? `user:${user.id}`
      : `ip:${(ctx.get('x-forwarded-for').split(',').pop() ?? '').trim() || ctx.ip}`;
    const event = parseInput(clientEventBody, ctx.request.body, 'body');
    try {
      limit.consume(client);
    } catch (error) {
      rejections.inc({ limiter: 'analytics' });
      throw error;
    }
    store.add({
      type: event.type,
      source: 'client',
      occurredAt: now().toISOString(),
      signedIn: user !== undefined,
      properties: event.properties,
    });
    events.inc({ type: event.type });
    ctx.status = 202;
    ctx.body = { accepted: true, type: event.type };
  });

  router.get('/summary', authorize('manage', 'Analytics'), (ctx) => {
    const { hours } = parseInput(summaryQuery, ctx.query, 'query');
    const current = now();
    const thisHour = Date.UTC(
      current.getUTCFullYear(),
      current.getUTCMonth(),
      current.getUTCDate(),
      current.getUTCHours(),
    );
    const from = new Date(thisHour - (hours - 1) * 3_600_000);
    const hourly = store.hourly(from, hours);
    const checkoutsStarted = hourly.reduce((sum, hour) => sum + (hour.events.checkout_started ?? 0), 0);
    const ordersConfirmed = hourly.reduce((sum, hour) => sum + hour.orders, 0);
    ctx.body = {
      from: from.toISOString(),
      to: new Date(thisHour + 3_600_000).toISOString(),
      currency: 'USD',
      hours: hourly,
      totals: {
        events: hourly.reduce<Record<string, number>>((all, hour) => {
          for (const [type, n] of Object.entries(hour.events)) all[type] = (all[type] ?? 0) + n;
          return all;
        }, {}),
        orders: ordersConfirmed,
        revenueCents: hourly.reduce((sum, hour) => sum + hour.revenueCents, 0),
        refundsCents: hourly.reduce((sum, hour) => sum + hour.refundsCents, 0),
      },
      conversion: {
        checkoutsStarted,
        ordersConfirmed,
        rate: checkoutsStarted === 0 ? null : ordersConfirmed / checkoutsStarted,
      },
    };
  });

  const count = (type: BusinessEventType, occurredAt: string, amountCents?: number) => {
    store.add({ type, source: 'bus', occurredAt, signedIn: true, amountCents });
  };
  const handlers: EventHandlers = {
    OrderConfirmed: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('OrderConfirmed', event.occurredAt, event.data.totalCents)))
        events.inc({ type: 'OrderConfirmed' });
    },
    OrderCancelled: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('OrderCancelled', event.occurredAt)))
        events.inc({ type: 'OrderCancelled' });
    },
    PaymentCaptured: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('PaymentCaptured', event.occurredAt, event.data.amountCents)))
        events.inc({ type: 'PaymentCaptured' });
    },
    PaymentRefunded: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('PaymentRefunded', event.occurredAt, event.data.amountCents)))
        events.inc({ type: 'PaymentRefunded' });
    },
    ShipmentScheduled: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('ShipmentScheduled', event.occurredAt)))
        events.inc({ type: 'ShipmentScheduled' });
    },
    ShipmentStatusChanged: async (event, { inTransaction }) => {
      if (await inTransaction(() => count('ShipmentStatusChanged', event.occurredAt)))
        events.inc({ type: 'ShipmentStatusChanged' });
    },
  };

  /** Consumes the business events on its own queue, and purges events past the retention once an hour. */
  const workers: BackgroundWorker[] = [
    {
      name: 'analytics consumer',
      start() {
        const subscription: Promise<Subscription | undefined> = startConsumer({
          db,
          transport: deps.transport,
          queue: `${deps.service}${ANALYTICS_QUEUE_SUFFIX}`,
          handlers,
          logger,
          registry,
        }).catch((error: unknown) => {
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
          const removed = store.purgeBefore(new Date(now().getTime() - settings.retentionDays * 86_400_000));
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

  return { router, workers, store };
}
