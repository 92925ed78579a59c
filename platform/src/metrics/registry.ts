import client, { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Creates the service's registry. `service` becomes a default label on every series, so every metric
 * of docs/architecture.md#observability carries {service} without each call site adding it.
 */
export function createMetricsRegistry(service: string, options: { collectDefault?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.collectDefault ?? true) client.collectDefaultMetrics({ register: registry });
  return registry;
}

type CounterConfig<L extends string> = { name: string; help: string; labelNames?: readonly L[] };
type GaugeConfig<L extends string> = CounterConfig<L>;
type HistogramConfig<L extends string> = CounterConfig<L> & { buckets?: number[] };

/**
 * Label values a counter's series start from 0 with: every combination of the listed values of each label
 * (`{}` for a counter without labels), so the series are scraped, and rate() works, before the first event.
 */
type StartAtZero<L extends string> = { readonly [K in L]: readonly string[] };

/**
 * Returns the registry's counter of that name, creating it once (modules may ask repeatedly). With
 * `startAtZero`, the listed series exist at 0 from the start.
 */
export function counter<L extends string>(
  registry: Registry,
  config: CounterConfig<L> & { startAtZero?: StartAtZero<L> },
): Counter<L> {
  const { startAtZero, ...counterConfig } = config;
  const metric =
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter<L>({ ...counterConfig, labelNames: config.labelNames ?? [], registers: [registry] });
  if (startAtZero) {
    for (const labels of labelCombinations(startAtZero)) {
      if (Object.keys(labels).length === 0) metric.inc(0);
      else metric.inc(labels, 0);
    }
  }
  return metric;
}

function labelCombinations<L extends string>(values: StartAtZero<L>): Partial<Record<L, string>>[] {
  let combinations: Partial<Record<L, string>>[] = [{}];
  for (const name of Object.keys(values) as L[]) {
    combinations = combinations.flatMap((labels) =>
      values[name].map((value) => ({ ...labels, [name]: value })),
    );
  }
  return combinations;
}

export function gauge<L extends string>(registry: Registry, config: GaugeConfig<L>): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

export function histogram<L extends string>(registry: Registry, config: HistogramConfig<L>): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

export type { Registry };
