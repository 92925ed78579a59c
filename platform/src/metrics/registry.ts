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

/** Returns the registry's counter of that name, creating it once (modules may ask repeatedly). */
export function counter<L extends string>(registry: Registry, config: CounterConfig<L>): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
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
