import type { Context, Next } from 'koa';

/** Headers every gateway response carries; HSTS only in production, where the gateway sits behind TLS. */
export function securityHeaders(production: boolean) {
  // Not async and straight to node's setHeader: this runs on every request, and Koa's `ctx.set` builds
  // arrays per call that a constant string value does not need.
  return function setSecurityHeaders(ctx: Context, next: Next): Promise<void> {
    const res = ctx.res;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (production) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    return next();
  };
}
