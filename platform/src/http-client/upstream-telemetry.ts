import type { EventEmitter } from 'node:events';
import type CircuitBreaker from 'opossum';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { counter, gauge, histogram, type Registry } from '../metrics/registry.js';
import type { BreakerVerdict, CallOutcome } from './call-outcome.js';

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

/** docs/architecture.md#observability: 0 closed, 1 half-open, 2 open. */
const STATE_VALUE = { close: 0, halfOpen: 1, open: 2 } as const;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Metrics and log lines of one upstream client; label children are bound once so the hot path only counts. */
export interface UpstreamTelemetry {
  count(event: BreakerEvent): void;
  /** Counts one attempt's classified outcome and how the breaker took it. */
  outcome(outcome: CallOutcome, verdict: BreakerVerdict): void;
  /** Records one attempt's duration; `status` is the HTTP status or, without a response, the failure reason. */
  observe(method: string, status: number | string, startedAt: number): void;
  /** Follows the breaker's state and events (not called for a client without a breaker). */
  watch(breaker: CircuitBreaker, resetTimeoutMs: number): void;
}

type Labels = 'upstream' | 'route_class';

/**
 * `routeClass` is the breaker's lane on that upstream (`read`, `write`, `control` at the gateway; `all` for
 * a client with one breaker for every call): it labels every series, so each breaker has its own.
 */
export function createUpstreamTelemetry(
  upstream: string,
  routeClass: string,
  registry: Registry,
  logger: Logger,
): UpstreamTelemetry {
  const lane = { upstream, route_class: routeClass };
  const state = gauge(registry, {
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per upstream and route class: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream', 'route_class'],
  }).labels(lane);
  const events: Counter<Labels | 'event'> = counter(registry, {
    name: 'circuit_breaker_events_total',
    help: 'Circuit breaker events per upstream and route class (success, failure, timeout, reject, open, ...)',
    labelNames: ['upstream', 'route_class', 'event'],
  });
  const outcomes: Counter<Labels | 'outcome' | 'breaker'> = counter(registry, {
    name: 'upstream_outcomes_total',
    help: 'Attempts of upstream calls by classified outcome and how the breaker counted them (success, failure, not_sent, not_counted)',
    labelNames: ['upstream', 'route_class', 'outcome', 'breaker'],
  });
  const durations: Histogram<Labels | 'method' | 'status'> = histogram(registry, {
    name: 'upstream_request_duration_seconds',
    help: 'Duration of each attempt of an upstream call, by upstream, route class, method and status (or failure reason)',
    labelNames: ['upstream', 'route_class', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  const eventChildren = new Map<BreakerEvent, Counter.Internal>();
  const outcomeChildren = new Map<string, Counter.Internal>();
  const durationChildren = new Map<string, Histogram.Internal<Labels | 'method' | 'status'>>();
  // The answer of almost every call, bound up front.
  const okChild = outcomes.labels({ ...lane, outcome: 'ok', breaker: 'success' });

  const count = (event: BreakerEvent): void => {
    let child = eventChildren.get(event);
    if (child === undefined) {
      child = events.labels({ ...lane, event });
      eventChildren.set(event, child);
    }
    child.inc();
  };

  return {
    count,
    outcome(outcome, verdict) {
      if (outcome === 'ok' && verdict === 'success') {
        okChild.inc();
        return;
      }
      const key = `${outcome} ${verdict}`;
      let child = outcomeChildren.get(key);
      if (child === undefined) {
        child = outcomes.labels({ ...lane, outcome, breaker: verdict });
        outcomeChildren.set(key, child);
      }
      child.inc();
    },
    observe(method, status, startedAt) {
      const key = `${method} ${status}`;
      let child = durationChildren.get(key);
      if (child === undefined) {
        const methodLabel = KNOWN_METHODS.has(method) ? method : 'OTHER';
        child = durations.labels({ ...lane, method: methodLabel, status: String(status) });
        durationChildren.set(key, child);
      }
      child.observe((performance.now() - startedAt) / 1000);
    },
    watch(breaker, resetTimeoutMs) {
      // Only a client with a breaker has a state series: a lane without one would always read "closed".
      state.set(STATE_VALUE.close);
      const emitter: EventEmitter = breaker;
      for (const event of OPOSSUM_EVENTS) emitter.on(event, () => count(event));
      breaker.on('open', () => {
        state.set(STATE_VALUE.open);
        logger.warn('Circuit breaker opened: failing fast', { upstream, routeClass, resetTimeoutMs });
      });
      breaker.on('halfOpen', () => {
        state.set(STATE_VALUE.halfOpen);
        logger.warn('Circuit breaker half-open: letting one probe through', { upstream, routeClass });
      });
      breaker.on('close', () => {
        state.set(STATE_VALUE.close);
        logger.info('Circuit breaker closed', { upstream, routeClass });
      });
    },
  };
}
