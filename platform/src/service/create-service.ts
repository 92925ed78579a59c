import Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import type { Router } from '@koa/router';
import type { Registry } from 'prom-client';
import './koa-types.js';
import { syncToDisk, waitUntilWritable, walSyncOf, type Db } from '../db/sqlite.js';
import type { TokenService } from '../auth/tokens.js';
import type { Logger } from '../logging/logger.js';
import { authenticate } from './auth-middleware.js';
import { createChaos } from './chaos.js';
import { correlationMiddleware } from './correlation.js';
import { errorMiddleware } from './error-middleware.js';
import { runReadiness, type ReadinessCheck } from './health.js';
import { jsonBody } from './json-body.js';
import { observeRequests } from './observe.js';
import { assertMayReadMetrics, type MetricsExposure } from './metrics-exposure.js';

/** Answered by createService itself (GET and HEAD). */
const SERVICE_PATHS = new Set(['/health/live', '/health/ready', '/health', '/metrics']);

export interface ServiceOptions {
  name: string;
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  /** The service's own routers, mounted after the shared middleware. */
  routers: Router[];
  /** Readiness checks by name (database, migrations, broker...). */
  readiness?: Record<string, ReadinessCheck>;
  /**
   * The service's database: requests that may write (POST, PUT, PATCH, DELETE) first wait, without blocking
   * the event loop, until no other process holds its write lock, and answer 503 database_busy if that lasts.
   */
  database?: Db | undefined;
  bodyLimitBytes?: number;
  chaosEnabled?: boolean;
  /** Who may read /metrics on the HTTP port (default `public`; see metrics-exposure.ts). */
  metrics?: MetricsExposure;
  /**
   * Middleware at the edge: inside the error handler, the correlation ID and the request metrics, ahead of
   * everything else (the health endpoints included). The gateway's security headers, CORS and aggregate
   * /health go here.
   */
  edge?: Middleware[];
  /** Middleware after the service's routers: what no router answered (the gateway's route table). */
  fallback?: Middleware[];
}

export interface Service {
  app: Koa;
  /** Readiness turns 503 and responses ask clients to close their connection (graceful shutdown). */
  markShuttingDown(): void;
  readonly shuttingDown: boolean;
}

/**
 * The shared defaults every service starts with (like eShop's AddServiceDefaults): error handling first,
 * correlation ID, request log and metrics, health, /metrics, JSON bodies, authentication, optional chaos,
 * then the service's own routes. Never listens: main.ts (or a test) does.
 */
export function createService(options: ServiceOptions): Service {
  const { logger, registry } = options;
  const app = new Koa({ proxy: false });
  let shuttingDown = false;
  const readiness = options.readiness ?? {};

  const database = options.database;
  if (database && walSyncOf(database)) {
    // A GROUPED database (order, payment): no answer leaves before the commits it may show are on disk,
    // whatever it is (errors too). One fsync, off the event loop, serves every request waiting for it.
    app.use(async (_ctx: Context, next: Next) => {
      await next();
      await syncToDisk(database);
    });
  }
  app.use(errorMiddleware(logger));
  app.use(correlationMiddleware);
  app.use(observeRequests(logger, registry));
  for (const middleware of options.edge ?? []) app.use(middleware);
  // The shared headers and the health/metrics endpoints, in one middleware that is not async: requests that
  // pass through it get no promise of their own. Headers go straight to node's setHeader: Koa's ctx.set
  // allocates arrays per call, and this runs on every request.
  app.use((ctx: Context, next: Next) => {
    const res = ctx.res;
    if (shuttingDown) res.setHeader('Connection', 'close');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    const method = ctx.method;
    if ((method === 'GET' || method === 'HEAD') && SERVICE_PATHS.has(ctx.path)) return answerServicePath(ctx);
    return next();
  });
  async function answerServicePath(ctx: Context): Promise<void> {
    switch (ctx.path) {
      case '/health/live':
        ctx.body = { status: 'ok', service: options.name };
        return;
      case '/metrics':
        assertMayReadMetrics(ctx, options.metrics ?? 'public', options.tokens);
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
        return;
      default: {
        const report = await runReadiness(readiness, shuttingDown);
        ctx.status = report.status === 'ready' ? 200 : 503;
        ctx.body = { service: options.name, ...report };
      }
    }
  }
  app.use(jsonBody(options.bodyLimitBytes ?? 100 * 1024));
  app.use(authenticate(options.tokens));
  if (options.chaosEnabled) {
    const chaos = createChaos();
    app.use(chaos.router.routes());
    app.use(chaos.inject);
    logger.warn('chaos fault injection is enabled (CHAOS_ENABLED=true): never in production');
  }
  if (options.database) app.use(writableDatabaseFirst(options.database));
  for (const router of options.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  for (const middleware of options.fallback ?? []) app.use(middleware);

  // Errors are answered by errorMiddleware; Koa's default handler would print them a second time.
  app.silent = true;

  return {
    app,
    markShuttingDown() {
      shuttingDown = true;
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function writableDatabaseFirst(db: Db) {
  return async function waitForWritableDatabase(ctx: Context, next: Next): Promise<void> {
    if (WRITE_METHODS.has(ctx.method)) await waitUntilWritable(db);
    await next();
  };
}
