import type { AnalyticsClientEvent } from '@shop/platform/api-contract';
import { assertAllowed, type Budget } from '@shop/platform/runtime';
import type { BusinessEventType } from './analytics-rules.js';

export interface StoredEvent {
  type: string;
  source: 'client' | 'bus';
  occurredAt: string;
  signedIn: boolean;
  amountCents?: number | undefined;
  properties?: Record<string, unknown> | undefined;
}

export interface HourSummary {
  /** The hour's start, ISO 8601 (UTC). */
  hour: string;
  events: Record<string, number>;
  orders: number;
  revenueCents: number;
  refundsCents: number;
}
/** Where analytics events are kept (data/analytics-store.ts). */
export interface AnalyticsStore {
  add(event: StoredEvent): void;
  /** Hourly counts since `from` (an hour's start), one entry per hour, empty hours included. */
  hourly(from: Date, hours: number): HourSummary[];
  /** Deletes events older than `before`; returns how many. */
  purgeBefore(before: Date): number;
}

/** What the analytics module counts (notification-metrics.ts). */
export interface AnalyticsMetrics {
  recorded(type: string): void;
  limited(): void;
}

export interface AnalyticsSettings {
  retentionDays: number;
}

/**
 * The analytics module of notification-service (decision 0112): client behaviour events in, business facts
 * from the bus counted, an admin summary out. Its own tables, consumer queue and inbox; nothing in it knows
 * who a customer is.
 */
export function createAnalytics(deps: {
  store: AnalyticsStore;
  metrics: AnalyticsMetrics;
  settings: AnalyticsSettings;
  /**
   * Events per client per window (ANALYTICS_RATE_LIMIT_POINTS per ANALYTICS_RATE_LIMIT_WINDOW_SECONDS), on top
   * of the gateway's limits; kept in the service's database, or Redis with REDIS_URL, so replicas share it.
   */
  ingestion: Budget;
  now?: () => Date;
}) {
  const { store, metrics, settings, ingestion } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    /**
     * A client's behaviour event; `client` is the user when signed in, else the address the gateway saw. Past
     * the client's ingestion budget: 429 `rate_limited` with Retry-After, nothing recorded.
     */
    async recordClientEvent(event: AnalyticsClientEvent, client: string, signedIn: boolean): Promise<void> {
      const outcome = await ingestion.consume(client);
      if (!outcome.allowed) metrics.limited();
      assertAllowed(outcome, 'rate_limited', 'Too many analytics events; slow down');
      store.add({
        type: event.type,
        source: 'client',
        occurredAt: now().toISOString(),
        signedIn,
        properties: event.properties,
      });
      metrics.recorded(event.type);
    },

    /** A business fact from the bus (inside the consumer's inbox transaction). */
    countBusinessEvent(type: BusinessEventType, occurredAt: string, amountCents?: number): void {
      store.add({ type, source: 'bus', occurredAt, signedIn: true, amountCents });
    },

    businessEventCounted(type: BusinessEventType): void {
      metrics.recorded(type);
    },

    /** Counts per type per hour, orders and revenue per hour, and the checkout conversion, for `hours` hours. */
    summary(hours: number) {
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
      return {
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
    },

    /** Deletes events past the retention; returns how many. */
    purgeExpired(): number {
      return store.purgeBefore(new Date(now().getTime() - settings.retentionDays * 86_400_000));
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
