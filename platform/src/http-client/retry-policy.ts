import type { CancelListener, CancelSignal } from './upstream-client.js';

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
  signal?: CancelSignal,
): Promise<void> {
  if (signal?.aborted === true) throw signal.reason;
  const delayMs = backoffDelayMs(retry, baseMs, capMs);
  const aborted = await new Promise<boolean>((resolve) => {
    const onAbort: CancelListener = {
      handleEvent() {
        clearTimeout(timer);
        resolve(true);
      },
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, delayMs);
    signal?.addEventListener('abort', onAbort);
  });
  if (aborted) throw signal?.reason;
}
