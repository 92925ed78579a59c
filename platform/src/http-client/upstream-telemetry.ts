import type { EventEmitter } from 'node:events';
import type CircuitBreaker from 'opossum';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { counter, gauge, histogram, type Registry } from '../metrics/registry.js';

/** Values of the `event` label of `circuit_breaker_events_total`. */
export type BreakerEvent =
  | 'success'
  | 'failure'
  | 'timeout'
  | 'reject'
  | 'open'
  | 'halfOpen'
  | 'close'
  | 'fallback'
  | 'semaphoreLocked'
  | 'bulkheadRejected';

const OPOSSUM_EVENTS = [
  'success',
  'failure',
  'reject',
  'open',
  'halfOpen',
  'close',
  'fallback',
  'semaphoreLocked',
] as const;

/** Design §8: 0 closed, 1 half-open, 2 open. */
const STATE_VALUE = { close: 0, halfOpen: 1, open: 2 } as const;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Metrics and log lines of one upstream client; label children are bound once so the hot path only counts. */
export interface UpstreamTelemetry {
  count(event: BreakerEvent): void;
  /** Records one attempt's duration; `status` is the HTTP status or, without a response, the failure reason. */
  observe(method: string, status: number | string, startedAt: number): void;
  watch(breaker: CircuitBreaker, resetTimeoutMs: number): void;
}

export function createUpstreamTelemetry(
  upstream: string,
  registry: Registry,
  logger: Logger,
): UpstreamTelemetry {
  const state = gauge(registry, {
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'],
  }).labels({ upstream });
  const events: Counter<'upstream' | 'event'> = counter(registry, {
    name: 'circuit_breaker_events_total',
    help: 'Circuit breaker events per upstream (success, failure, timeout, reject, open, halfOpen, close, ...)',
    labelNames: ['upstream', 'event'],
  });
  const durations: Histogram<'upstream' | 'method' | 'status'> = histogram(registry, {
    name: 'upstream_request_duration_seconds',
    help: 'Duration of each attempt of an upstream call, by upstream, method and status (or failure reason)',
    labelNames: ['upstream', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  const eventChildren = new Map<BreakerEvent, Counter.Internal>();
  const durationChildren = new Map<string, Histogram.Internal<'upstream' | 'method' | 'status'>>();
  state.set(STATE_VALUE.close);

  const count = (event: BreakerEvent): void => {
    let child = eventChildren.get(event);
    if (child === undefined) {
      child = events.labels({ upstream, event });
      eventChildren.set(event, child);
    }
    child.inc();
  };

  return {
    count,
    observe(method, status, startedAt) {
      const key = `${method} ${status}`;
      let child = durationChildren.get(key);
      if (child === undefined) {
        const methodLabel = KNOWN_METHODS.has(method) ? method : 'OTHER';
        child = durations.labels({ upstream, method: methodLabel, status: String(status) });
        durationChildren.set(key, child);
      }
      child.observe((performance.now() - startedAt) / 1000);
    },
    watch(breaker, resetTimeoutMs) {
      const emitter: EventEmitter = breaker;
      for (const event of OPOSSUM_EVENTS) emitter.on(event, () => count(event));
      breaker.on('open', () => {
        state.set(STATE_VALUE.open);
        logger.warn('Circuit breaker opened: failing fast', { upstream, resetTimeoutMs });
      });
      breaker.on('halfOpen', () => {
        state.set(STATE_VALUE.halfOpen);
        logger.warn('Circuit breaker half-open: letting one probe through', { upstream });
      });
      breaker.on('close', () => {
        state.set(STATE_VALUE.close);
        logger.info('Circuit breaker closed', { upstream });
      });
    },
  };
}
