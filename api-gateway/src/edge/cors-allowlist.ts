import type { Context, Next } from 'koa';
import cors from '@koa/cors';

/**
 * CORS for the browser origins listed in CORS_ORIGINS (exact matches), and no one else. Bearer tokens,
 * not cookies, so no credentials mode.
 */
export function corsAllowlist(origins: readonly string[]) {
  const allowed = new Set(origins);
  const handle = cors({
    origin: (ctx: Context) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-ID'],
    exposeHeaders: [
      'X-Correlation-ID',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
    maxAge: 600,
  });
  return function corsForAllowedOrigins(ctx: Context, next: Next): Promise<void> {
    // Most traffic is not from browsers: skip the middleware entirely when there is no Origin.
    if (ctx.req.headers.origin === undefined) return next();
    return handle(ctx, next) as Promise<void>;
  };
}
