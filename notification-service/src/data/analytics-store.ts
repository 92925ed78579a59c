import type { Db } from '@shop/platform/runtime';
import type { AnalyticsStore, HourSummary, StoredEvent } from '../domain/analytics.js';

export function createAnalyticsStore(db: Db): AnalyticsStore {
  const insert = db.prepare<{
    type: string;
    source: string;
    occurredAt: string;
    signedIn: number;
    amountCents: number | null;
    properties: string | null;
  }>(
    `INSERT INTO analytics_events (type, source, occurred_at, signed_in, amount_cents, properties)
     VALUES (@type, @source, @occurredAt, @signedIn, @amountCents, @properties)`,
  );
  const countsByHour = db.prepare<[string], { hour: string; type: string; n: number; amount: number | null }>(
    `SELECT substr(occurred_at, 1, 13) AS hour, type, COUNT(*) AS n, SUM(amount_cents) AS amount
     FROM analytics_events WHERE occurred_at >= ? GROUP BY hour, type ORDER BY hour`,
  );
  const purge = db.prepare<[string]>('DELETE FROM analytics_events WHERE occurred_at < ?');

  return {
    add(event: StoredEvent): void {
      insert.run({
        type: event.type,
        source: event.source,
        occurredAt: event.occurredAt,
        signedIn: event.signedIn ? 1 : 0,
        amountCents: event.amountCents ?? null,
        properties: event.properties === undefined ? null : JSON.stringify(event.properties),
      });
    },

    /** Hourly counts since `from` (an hour's start), one entry per hour, empty hours included. */
    hourly(from: Date, hours: number): HourSummary[] {
      const byHour = new Map<string, HourSummary>();
      for (let i = 0; i < hours; i++) {
        const hour = new Date(from.getTime() + i * 3_600_000).toISOString();
        byHour.set(hour.slice(0, 13), { hour, events: {}, orders: 0, revenueCents: 0, refundsCents: 0 });
      }
      for (const row of countsByHour.all(from.toISOString())) {
        const entry = byHour.get(row.hour);
        if (!entry) continue;
        entry.events[row.type] = row.n;
        if (row.type === 'OrderConfirmed') {
          entry.orders = row.n;
          entry.revenueCents = row.amount ?? 0;
        }
        if (row.type === 'PaymentRefunded') entry.refundsCents = row.amount ?? 0;
      }
      return [...byHour.values()];
    },

    /** Deletes events older than `before`; returns how many. */
    purgeBefore(before: Date): number {
      return purge.run(before.toISOString()).changes;
    },
  };
}
