import { setTimeout as sleep } from 'node:timers/promises';

/** Only requests that are safe to repeat are retried: GET/HEAD, or any request carrying an idempotency key. */
export function isRetryable(method: string, hasIdempotencyKey: boolean): boolean {
  return hasIdempotencyKey || method === 'GET' || method === 'HEAD';
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(cap, base * 2^(retry-1))], so callers that
 * failed together do not retry together.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(retry: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (retry - 1));
}

/** Waits before a retry; rejects with the signal's reason when the caller gives up meanwhile. */
export async function waitBeforeRetry(
  retry: number,
  baseMs: number,
  capMs: number,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await sleep(
      backoffDelayMs(retry, baseMs, capMs),
      undefined,
      signal === undefined ? undefined : { signal },
    );
  } catch (error) {
    throw signal?.aborted === true ? (signal.reason as unknown) : error;
  }
}
