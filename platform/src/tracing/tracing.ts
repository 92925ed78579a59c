import type {
  Attributes,
  Context as OtelContext,
  Span,
  SpanKind,
  TextMapPropagator,
  Tracer,
} from '@opentelemetry/api';
import { ConfigError } from '../config/config.js';
import { currentContext, runWithContext, type RequestContext } from '../context/request-context.js';

/**
 * OpenTelemetry traces (docs/observability.md#traces). Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then `startTracing` loads the SDK (dynamic imports, so a
 * service without tracing never loads it) and spans are exported over OTLP/HTTP. Every helper here is a
 * no-op costing one check while tracing is off.
 *
 * The active span travels in the platform's own request context (AsyncLocalStorage), not in an OTel context
 * manager: the correlation ID already rides there, and one async store per request is enough.
 */

interface TracingState {
  tracer: Tracer;
  propagator: TextMapPropagator;
  api: typeof import('@opentelemetry/api');
  shutdown(): Promise<void>;
}

let state: TracingState | undefined;

/** SpanKind values (the enum lives in @opentelemetry/api, which is loaded only with tracing on). */
export const SPAN_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;

export function tracingEnabled(): boolean {
  return state !== undefined;
}

/** The OTLP endpoint tracing exports to, or undefined when tracing is off. */
export function tracingEndpoint(env: Record<string, string | undefined> = process.env): string | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return endpoint === undefined || endpoint === '' ? undefined : endpoint;
}

/** The samplers of OTEL_TRACES_SAMPLER (the OpenTelemetry specification's names). */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];

export interface SamplerSetting {
  name: TracesSamplerName;
  /** The share of new traces kept (0..1), for the traceidratio samplers. */
  ratio: number;
}

/**
 * OTEL_TRACES_SAMPLER (default parentbased_always_on) and OTEL_TRACES_SAMPLER_ARG (the ratio, default 1).
 * Unlike the specification's "warn and use the default", an unknown sampler or a ratio outside 0..1 is a
 * ConfigError: the process says so and does not start.
 */
export function samplerSetting(env: Record<string, string | undefined> = process.env): SamplerSetting {
  const raw = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  if (!(TRACES_SAMPLERS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER: unknown sampler ${JSON.stringify(env.OTEL_TRACES_SAMPLER)}; use one of ${TRACES_SAMPLERS.join(', ')}`,
    );
  }
  const name = raw as TracesSamplerName;
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  let ratio = 1;
  if (name.endsWith('traceidratio') && arg !== undefined && arg !== '') {
    ratio = Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new ConfigError(
        `OTEL_TRACES_SAMPLER_ARG: ${JSON.stringify(arg)} is not a ratio; use a number from 0 to 1 (0.1 keeps one trace in ten)`,
      );
    }
  }
  return { name, ratio };
}

function buildSampler(
  sdk: typeof import('@opentelemetry/sdk-trace'),
  setting: SamplerSetting,
): import('@opentelemetry/sdk-trace').Sampler {
  const root = setting.name.endsWith('always_off')
    ? new sdk.AlwaysOffSampler()
    : setting.name.endsWith('traceidratio')
      ? new sdk.TraceIdRatioBasedSampler(setting.ratio)
      : new sdk.AlwaysOnSampler();
  return setting.name.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
}

/**
 * Starts the SDK for this process when an endpoint is configured: a tracer provider with the service's name,
 * a batch processor and the OTLP/HTTP exporter (which reads the standard OTEL_EXPORTER_OTLP_* variables:
 * endpoint, headers, timeout) and the sampler of OTEL_TRACES_SAMPLER. Returns whether tracing is on. A second call is a no-op.
 */
export async function startTracing(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  if (state !== undefined) return true;
  const endpoint = tracingEndpoint(env);
  if (endpoint === undefined) return false;
  const sampling = samplerSetting(env);
  const [api, sdk, exporterModule, resources, core] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': serviceName }),
    sampler: buildSampler(sdk, sampling),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new exporterModule.OTLPTraceExporter({ url }),
        scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 1000),
      }),
    ],
  });
  state = {
    api,
    tracer: provider.getTracer('@shop/platform'),
    propagator: new core.W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  };
  return true;
}

/** Flushes and stops the exporter (graceful shutdown); tracing is off afterwards. */
export async function stopTracing(): Promise<void> {
  const current = state;
  state = undefined;
  await current?.shutdown();
}

/** The span the current request, event or job runs in. */
export function activeSpan(): Span | undefined {
  return currentContext()?.span;
}

function contextOf(parent: Span | undefined, tracing: TracingState): OtelContext {
  const root = tracing.api.ROOT_CONTEXT;
  return parent === undefined ? root : tracing.api.trace.setSpan(root, parent);
}

/** A span child of `parent` (default: the active span); undefined while tracing is off. */
export function startSpan(
  name: string,
  kind: SpanKind = SPAN_KIND.INTERNAL,
  attributes?: Attributes,
  parent: Span | undefined = activeSpan(),
): Span | undefined {
  const tracing = state;
  if (tracing === undefined) return undefined;
  return tracing.tracer.startSpan(name, { kind, attributes }, contextOf(parent, tracing));
}

/**
 * A span whose parent is the W3C `traceparent` (and `tracestate`) in `carrier`: an incoming request's
 * headers, or an event's metadata. An invalid or missing one starts a new trace. Undefined while off.
 */
export function startSpanFrom(
  carrier: object | undefined,
  name: string,
  kind: SpanKind,
  attributes?: Attributes,
): Span | undefined {
  const tracing = state;
  if (tracing === undefined) return undefined;
  const parent =
    carrier === undefined
      ? tracing.api.ROOT_CONTEXT
      : tracing.propagator.extract(tracing.api.ROOT_CONTEXT, carrier, tracing.api.defaultTextMapGetter);
  return tracing.tracer.startSpan(name, { kind, attributes }, parent);
}

/** Writes `traceparent` (and `tracestate`) for `span` into `carrier`. */
export function injectTraceContext(
  carrier: Record<string, unknown>,
  span: Span | undefined = activeSpan(),
): void {
  const tracing = state;
  if (tracing === undefined || span === undefined) return;
  tracing.propagator.inject(contextOf(span, tracing), carrier, tracing.api.defaultTextMapSetter);
}

/** The W3C traceparent of `span` (default: the active one), or undefined. */
export function traceparentOf(span: Span | undefined = activeSpan()): string | undefined {
  if (span === undefined) return undefined;
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, span);
  return carrier.traceparent;
}

/** Marks the span failed with `error` (an exception event and status ERROR). */
export function failSpan(span: Span | undefined, error: unknown): void {
  if (span === undefined) return;
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `work` inside a new span child of the active one (the span is the active one within `work`), ending it
 * when `work` settles. While tracing is off it only calls `work`.
 */
export function withSpan<T>(
  name: string,
  work: () => Promise<T>,
  attributes?: Attributes,
  kind: SpanKind = SPAN_KIND.INTERNAL,
): Promise<T> {
  const span = startSpan(name, kind, attributes);
  if (span === undefined) return work();
  const context: RequestContext = { ...(currentContext() ?? { correlationId: '' }), span };
  return runWithContext(context, work).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failSpan(span, error);
      span.end();
      throw error;
    },
  );
}
