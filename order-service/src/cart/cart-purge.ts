import { randomUUID } from 'node:crypto';
import { runWithContext, type Logger } from '@shop/platform/runtime';

/** Deletes idle carts every `intervalMs` under a correlation ID of its own; `stop()` clears the timer. */
export function startCartPurge(options: { intervalMs: number; logger: Logger; purge: () => number }): {
  stop(): void;
} {
  const timer = setInterval(() => {
    runWithContext({ correlationId: `cart-purge-${randomUUID()}` }, () => {
      try {
        options.purge();
      } catch (error) {
        options.logger.error('cart purge pass failed; the next pass retries', { err: error as Error });
      }
    });
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
