import type { Context, Next } from 'koa';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import { counter, histogram } from '../metrics/registry.js';

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics', '/health']);

/** The route template Koa's router matched, never the raw path (1,000 ids must not make 1,000 series). */
export function routeTemplate(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.state.route && typeof ctx.state.route === 'string') return ctx.state.route;
  return QUIET_PATHS.has(ctx.path) ? ctx.path : 'unmatched';
}

/**
 * Records http_requests_total / http_request_duration_seconds and writes one access log line per request.
 * Placed right after the error middleware's inner call so it sees the final status.
 */
export function observeRequests(logger: Logger, registry: Registry) {
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
  return async function observe(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      // The error middleware (outside us) will answer; record the status it is going to use.
      const thrown = (error as { status?: unknown }).status;
      status = typeof thrown === 'number' && thrown >= 400 && thrown < 600 ? thrown : 500;
      throw error;
    } finally {
      status ??= ctx.status;
      const elapsedNs = Number(process.hrtime.bigint() - started);
      const route = routeTemplate(ctx);
      const labels = { method: ctx.method, route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, elapsedNs / 1e9);
      if (!QUIET_PATHS.has(ctx.path) || status >= 500) {
        logger.log(status >= 500 ? 'warn' : 'info', `${ctx.method} ${route} ${status}`, {
          http: { request: { method: ctx.method }, response: { status_code: status } },
          url: { path: ctx.path },
          event: { duration: elapsedNs },
        });
      }
    }
  };
}
