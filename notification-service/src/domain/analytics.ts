import {
  BUSINESS_EVENT_TYPES,
  CLIENT_EVENT_TYPES,
  type BusinessEventType,
  type ClientEvent,
} from './analytics-rules.js';
import { ingestionLimit } from './analytics-ingestion-limit.js';

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
  ratePoints: number;
  rateWindowSeconds: number;
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
  now?: () => Date;
}) {
  const { store, metrics, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const limit = ingestionLimit({ points: settings.ratePoints, windowMs: settings.rateWindowSeconds * 1000 });

  return {
    eventTypes: [...CLIENT_EVENT_TYPES, ...BUSINESS_EVENT_TYPES],

    /** A client's behaviour event; `client` is the user when signed in, else the address the gateway saw. */
    recordClientEvent(event: ClientEvent, client: string, signedIn: boolean): void {
      try {
        limit.consume(client);
      } catch (error) {
        metrics.limited();
        throw error;
      }
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
