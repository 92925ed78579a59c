import type { Context, Next } from 'koa';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { logAccess } from '../logging/access-log.js';
import { counter, histogram } from '../metrics/registry.js';

// Probes and polls that arrive every second or so: metrics count them, the access log only records their
// failures (5xx). `/internal/revocations` is polled by every other service every REVOCATION_POLL_MS.
const QUIET_PATHS = new Set([
  '/health/live',
  '/health/ready',
  '/metrics',
  '/health',
  '/internal/revocations',
]);

/** The route template Koa's router matched, never the raw path (1,000 ids must not make 1,000 series). */
export function routeTemplate(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.state.route && typeof ctx.state.route === 'string') return ctx.state.route;
  return QUIET_PATHS.has(ctx.path) ? ctx.path : 'unmatched';
}

/** Records one finished request: metrics, and the access log line unless it is a quiet, healthy probe. */
type RequestRecorder = (ctx: Context, status: number, startedAt: number) => void;

/** `startedAt` is a `performance.now()` reading. */
function requestRecorder(logger: Logger, registry: Registry): RequestRecorder {
  const requests = counter(registry, {
    name: 'http_requests_total',
    help: 'HTTP requests handled',
    labelNames: ['method', 'route', 'status'] as const,
  });
  const duration = histogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return function recordRequest(ctx, status, startedAt) {
    const elapsedMs = performance.now() - startedAt;
    const method = ctx.method;
    const path = ctx.path;
    const route = routeTemplate(ctx);
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, elapsedMs / 1000);
    if (status < 500 && QUIET_PATHS.has(path)) return;
    logAccess(logger, status >= 500 ? 'warn' : 'info', `${method} ${route} ${status}`, {
      method,
      route,
      status,
      path,
      durationNs: Math.round(elapsedMs * 1e6),
    });
  };
}

/** The status the error middleware (outside the observer) is going to answer with for `error`. */
function statusOfThrown(error: unknown): number {
  const thrown = (error as { status?: unknown } | null)?.status;
  return typeof thrown === 'number' && thrown >= 400 && thrown < 600 ? thrown : 500;
}

/**
 * Records http_requests_total / http_request_duration_seconds and writes one access log line per request.
 * Placed right after the error middleware's inner call so it sees the final status.
 */
export function observeRequests(logger: Logger, registry: Registry) {
  const record = requestRecorder(logger, registry);
  return async function observe(ctx: Context, next: Next): Promise<void> {
    const startedAt = performance.now();
    try {
      await next();
    } catch (error) {
      record(ctx, statusOfThrown(error), startedAt);
      throw error;
    }
    record(ctx, ctx.status, startedAt);
  };
}
