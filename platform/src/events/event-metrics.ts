import { Gauge } from 'prom-client';
import type { Registry } from '../metrics/registry.js';
import { counter, gauge } from '../metrics/registry.js';

export type ConsumeOutcome = 'processed' | 'duplicate' | 'retried' | 'dead_lettered' | 'invalid' | 'rejected';

/** The event-bus series of docs/architecture.md#observability, shared by the relay, the consumer and both transports. */
export function eventMetrics(registry: Registry) {
  return {
    published: counter(registry, {
      name: 'events_published_total',
      help: 'Events published to the bus (confirmed by the transport), by type',
      labelNames: ['type'],
    }),
    consumed: counter(registry, {
      name: 'events_consumed_total',
      help: 'Event deliveries handled, by type and outcome (processed|duplicate|retried|dead_lettered|invalid|rejected)',
      labelNames: ['type', 'outcome'],
    }),
    deadLettered: counter(registry, {
      name: 'events_dead_lettered_total',
      help: 'Messages moved to a dead-letter queue, by type',
      labelNames: ['type'],
    }),
    outboxPending: gauge(registry, {
      name: 'outbox_pending',
      help: 'Outbox events not yet confirmed by the transport',
    }),
  };
}

/** RabbitMQ transport only: 1 while connected with a publishing channel, 0 otherwise (alerts on broker loss). */
export function brokerConnectedGauge(registry: Registry) {
  return gauge(registry, {
    name: 'event_broker_connected',
    help: 'Whether the service holds a working connection to the event broker (1) or not (0)',
  });
}

export type EventMetrics = ReturnType<typeof eventMetrics>;

/**
 * `outbox_oldest_pending_age_seconds`, computed at each scrape from `oldestPendingAt` (epoch ms, or
 * undefined when nothing is pending), so the age keeps growing while the relay waits between rounds.
 * The outbox relay of the registry's service owns it: a new relay replaces the previous one's.
 */
export function registerOutboxAgeGauge(registry: Registry, oldestPendingAt: () => number | undefined): void {
  const name = 'outbox_oldest_pending_age_seconds';
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Age in seconds of the oldest outbox event not yet confirmed by the transport (0 when none is pending)',
    registers: [registry],
    collect() {
      const at = oldestPendingAt();
      this.set(at === undefined ? 0 : Math.max(0, (Date.now() - at) / 1000));
    },
  });
}
