import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value. Asynchronous effects
 * (events, the recovery worker) are awaited this way instead of with fixed sleeps, so a slow, busy machine
 * only makes a test slower, never flaky. On timeout it throws, naming what it waited for and the last
 * thing the probe saw.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(options.intervalMs ?? 200);
  }
}
