import type { Server } from 'node:http';
import type { Context } from 'koa';
import type { Registry } from 'prom-client';
import { isOperatorAuthorization, type TokenService } from '../auth/tokens.js';
import { AppError, unauthorized } from '../errors/app-error.js';
import { createLimitedServer, DEFAULT_SERVER_LIMITS } from './server-limits.js';

/**
 * Where a process serves `/metrics`:
 * - `public`: on its HTTP port to anyone who reaches it (the services: only the platform's network does);
 * - `authenticated`: on its HTTP port to an admin's or a service's token only (the gateway's public port);
 * - `elsewhere`: not on its HTTP port (404): METRICS_PORT serves it (see startMetricsServer).
 */
export type MetricsExposure = 'public' | 'authenticated' | 'elsewhere';

/** The exposure of a process's configuration: METRICS_PORT moves metrics off the HTTP port. */
export function metricsExposure(
  config: { METRICS_PORT?: number | undefined },
  onHttpPort: 'public' | 'authenticated',
): MetricsExposure {
  return config.METRICS_PORT === undefined ? onHttpPort : 'elsewhere';
}

/** Throws 404 (elsewhere) or 401 (authenticated, without an admin's or service's valid token) when the caller may not read. */
export function assertMayReadMetrics(ctx: Context, exposure: MetricsExposure, tokens: TokenService): void {
  if (exposure === 'public') return;
  if (exposure === 'elsewhere') throw new AppError('not_found', 'Route not found', 404);
  if (!isOperatorAuthorization(ctx.req.headers.authorization, tokens)) {
    throw unauthorized('Metrics need an admin or service token');
  }
}

/**
 * `GET /metrics` alone, on its own port (METRICS_PORT) of the same host: for Prometheus, never published
 * nor routed. Anything else is 404. Same timeouts as the main server, 64 connections at most.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { registry } = options;
  const server = createLimitedServer(
    (req, res) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"not_found","message":"Only GET /metrics is served here"}}');
        return;
      }
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"internal_error","message":"Metrics unavailable"}}');
        },
      );
    },
    { ...DEFAULT_SERVER_LIMITS, maxConnections: 64 },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
