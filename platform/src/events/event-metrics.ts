import type { Registry } from '../metrics/registry.js';
import { counter, gauge } from '../metrics/registry.js';

export type ConsumeOutcome = 'processed' | 'duplicate' | 'retried' | 'dead_lettered' | 'invalid' | 'rejected';

/** The event-bus series of design §8, shared by the relay, the consumer and both transports. */
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

export type EventMetrics = ReturnType<typeof eventMetrics>;
