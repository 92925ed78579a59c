import { AppError } from '@shop/platform/runtime';

/**
 * Fixed-window budget per client for event ingestion (on top of the gateway's per-IP and per-user limits):
 * a client that sends more than `points` events in `windowMs` gets 429 `rate_limited` with Retry-After. In
 * memory, per process; the map drops expired windows when it grows, so it stays bounded by the clients of one
 * window.
 */
export function ingestionLimit(options: { points: number; windowMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { used: number; resetAt: number }>();

  return {
    /** Counts one event for `key`; throws 429 when its budget is spent. */
    consume(key: string): void {
      const at = now();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (w.resetAt <= at) windows.delete(k);
      }
      let window = windows.get(key);
      if (!window || window.resetAt <= at) {
        window = { used: 0, resetAt: at + options.windowMs };
        windows.set(key, window);
      }
      if (window.used >= options.points) {
        const retryAfter = Math.max(1, Math.ceil((window.resetAt - at) / 1000));
        throw new AppError('rate_limited', 'Too many analytics events; slow down', 429, {
          headers: { 'Retry-After': String(retryAfter) },
          details: { limit: options.points, windowSeconds: options.windowMs / 1000 },
        });
      }
      window.used += 1;
    },
  };
}
