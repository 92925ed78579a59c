/**
 * Every metric family the services export: docs/architecture.md#observability, the platform's own additions, and prom-client's
 * default process metrics.
 * Dashboards and alerts may only use these names; a live-scrape test can compare the list with real
 * /metrics output. Every family also carries the registry's default `service` label.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  name: string;
  type: MetricType;
  /** Labels besides the registry-wide `service` label. */
  labels: readonly string[];
  /**
   * design: named in docs/architecture.md#observability; platform: added by @shop/platform for every service; service: one
   * service's own counters; default: prom-client's default metrics.
   */
  origin: 'design' | 'platform' | 'service' | 'default';
  /** Exported only in this setup (the live test runs the embedded event transport, so it cannot see it). */
  onlyWith?: 'rabbitmq-transport';
}

const design: MetricFamily[] = [
  { name: 'http_requests_total', type: 'counter', labels: ['method', 'route', 'status'], origin: 'design' },
  {
    name: 'http_request_duration_seconds',
    type: 'histogram',
    labels: ['method', 'route', 'status'],
    origin: 'design',
  },
  // route_class: the breaker's lane (read / write at the gateway and order-service to payment; else all).
  { name: 'circuit_breaker_state', type: 'gauge', labels: ['upstream', 'route_class'], origin: 'design' },
  {
    name: 'circuit_breaker_events_total',
    type: 'counter',
    labels: ['upstream', 'route_class', 'event'],
    origin: 'design',
  },
  { name: 'rate_limit_rejections_total', type: 'counter', labels: ['limiter'], origin: 'design' },
  { name: 'events_published_total', type: 'counter', labels: ['type'], origin: 'design' },
  { name: 'events_consumed_total', type: 'counter', labels: ['type', 'outcome'], origin: 'design' },
  { name: 'events_dead_lettered_total', type: 'counter', labels: ['type'], origin: 'design' },
  { name: 'outbox_pending', type: 'gauge', labels: [], origin: 'design' },
  { name: 'orders_total', type: 'counter', labels: ['status'], origin: 'design' },
  { name: 'payments_total', type: 'counter', labels: ['outcome'], origin: 'design' },
  { name: 'stock_reservations_total', type: 'counter', labels: ['outcome'], origin: 'design' },
];

const platform: MetricFamily[] = [
  // The revocation feed poller (platform/src/auth/revocation-feed.ts): when it last read the feed, and how
  // many subjects have a revocation in force in this process's memory.
  { name: 'revocation_feed_last_success_timestamp_seconds', type: 'gauge', labels: [], origin: 'platform' },
  { name: 'revocations_in_memory', type: 'gauge', labels: [], origin: 'platform' },
  // Age of the oldest unsent outbox event, computed at each scrape (platform/src/events/outbox.ts).
  { name: 'outbox_oldest_pending_age_seconds', type: 'gauge', labels: [], origin: 'platform' },
  // 1 while the RabbitMQ transport holds a connection and a publishing channel, 0 otherwise.
  {
    name: 'event_broker_connected',
    type: 'gauge',
    labels: [],
    origin: 'platform',
    onlyWith: 'rabbitmq-transport',
  },
  // Each attempt of a breaker-guarded upstream call (platform/src/http-client/upstream-telemetry.ts).
  {
    name: 'upstream_request_duration_seconds',
    type: 'histogram',
    labels: ['upstream', 'route_class', 'method', 'status'],
    origin: 'platform',
  },
  // Each attempt's classified outcome and how the breaker counted it (docs/upstream-failures.md).
  {
    name: 'upstream_outcomes_total',
    type: 'counter',
    labels: ['upstream', 'route_class', 'outcome', 'breaker'],
    origin: 'platform',
  },
];

const serviceOwn: MetricFamily[] = [
  // order-service: PENDING orders resolved by the recovery worker (confirmed, cancelled, retried, waiting),
  // and the configured bound on refunding a capture no confirmed order owns (docs/money-invariants.md).
  { name: 'order_recoveries_total', type: 'counter', labels: ['outcome'], origin: 'service' },
  { name: 'order_refund_bound_seconds', type: 'gauge', labels: [], origin: 'service' },
  // order-service's cart (docs/features/cart.md): changes, checkouts by outcome, carts expired when idle.
  { name: 'cart_updates_total', type: 'counter', labels: ['operation'], origin: 'service' },
  { name: 'cart_checkouts_total', type: 'counter', labels: ['outcome'], origin: 'service' },
  { name: 'carts_expired_total', type: 'counter', labels: [], origin: 'service' },
  // payment-service: refunds by reason, and charges refused unprocessed (past their deadline, cancelled order).
  { name: 'payment_refunds_total', type: 'counter', labels: ['reason'], origin: 'service' },
  { name: 'payment_charges_refused_total', type: 'counter', labels: ['reason'], origin: 'service' },
  // customer-service
  { name: 'customer_registrations_total', type: 'counter', labels: [], origin: 'service' },
  { name: 'auth_logins_total', type: 'counter', labels: ['outcome'], origin: 'service' },
  { name: 'refresh_token_reuse_total', type: 'counter', labels: [], origin: 'service' },
  // shipping-service, notification-service
  { name: 'shipments_total', type: 'counter', labels: ['status'], origin: 'service' },
  { name: 'notifications_total', type: 'counter', labels: ['status'], origin: 'service' },
  // inventory-service: the product read cache (docs/features/caching.md); evictions are the in-process LRU's.
  { name: 'product_cache_hits_total', type: 'counter', labels: ['kind'], origin: 'service' },
  { name: 'product_cache_misses_total', type: 'counter', labels: ['kind'], origin: 'service' },
  { name: 'product_cache_evictions_total', type: 'counter', labels: ['reason'], origin: 'service' },
  { name: 'product_cache_errors_total', type: 'counter', labels: ['operation'], origin: 'service' },
  { name: 'product_cache_invalidations_total', type: 'counter', labels: [], origin: 'service' },
  // api-gateway: the customer dashboard composite (docs/features/dashboard.md), per part.
  { name: 'dashboard_parts_total', type: 'counter', labels: ['part', 'outcome'], origin: 'service' },
  { name: 'dashboard_part_duration_seconds', type: 'histogram', labels: ['part'], origin: 'service' },
  // notification-service: analytics events by type, client behaviour and business events from the bus
  // (docs/features/analytics.md); its ingestion refusals are rate_limit_rejections_total{limiter="analytics"}.
  { name: 'analytics_events_total', type: 'counter', labels: ['type'], origin: 'service' },
];

const defaultGauges = [
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_version_info',
];

const defaults: MetricFamily[] = [
  ...['process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total'].map(
    (name): MetricFamily => ({ name, type: 'counter', labels: [], origin: 'default' }),
  ),
  ...defaultGauges.map((name): MetricFamily => ({ name, type: 'gauge', labels: [], origin: 'default' })),
  { name: 'nodejs_gc_duration_seconds', type: 'histogram', labels: ['kind'], origin: 'default' },
];

export const METRIC_CATALOG: readonly MetricFamily[] = [...design, ...platform, ...serviceOwn, ...defaults];

/**
 * Series of RabbitMQ's built-in Prometheus plugin that the alerts and the dashboard read (names as RabbitMQ
 * 3.10's rabbitmq_prometheus exposes them on /metrics and /metrics/detailed?family=queue_coarse_metrics,
 * read off a node here; the compose image runs 3.13, which keeps them).
 */
export const RABBITMQ_EXPORTER_METRICS: readonly string[] = [
  'rabbitmq_detailed_queue_messages',
  'rabbitmq_detailed_queue_messages_ready',
  'rabbitmq_detailed_queue_messages_unacked',
  'rabbitmq_alarms_memory_used_watermark',
  'rabbitmq_alarms_free_disk_space_watermark',
  'rabbitmq_alarms_file_descriptor_limit',
];

/** Series Prometheus itself adds to every scrape target; they never appear on /metrics. */
export const SCRAPE_GENERATED_METRICS: readonly string[] = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
];

const histogramSuffixes = ['_bucket', '_sum', '_count'] as const;

/** The series names a family exposes: a histogram `x` exposes `x_bucket`, `x_sum` and `x_count`. */
export function seriesNamesOf(family: MetricFamily): string[] {
  return family.type === 'histogram'
    ? histogramSuffixes.map((suffix) => family.name + suffix)
    : [family.name];
}

const seriesToFamily = new Map(
  METRIC_CATALOG.flatMap((family) => seriesNamesOf(family).map((series) => [series, family] as const)),
);

/** The catalog family a series name belongs to, or undefined when the services do not export it. */
export function familyOfSeries(seriesName: string): MetricFamily | undefined {
  return seriesToFamily.get(seriesName);
}

/** True when a PromQL expression may use the name: a catalog series or one Prometheus generates. */
export function isKnownSeries(seriesName: string): boolean {
  return (
    seriesToFamily.has(seriesName) ||
    SCRAPE_GENERATED_METRICS.includes(seriesName) ||
    RABBITMQ_EXPORTER_METRICS.includes(seriesName)
  );
}

/** True when a running service on the embedded transport exports the series (what the live test sees). */
export function exportedByLivePlatform(seriesName: string): boolean {
  const family = seriesToFamily.get(seriesName);
  return family !== undefined && family.onlyWith === undefined;
}
