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

/** A retry's attempt must get at least this much of the budget (or the whole attempt timeout, if smaller). */
const MIN_RETRY_ATTEMPT_MS = 100;

/**
 * The one overall deadline of a call: every attempt and every backoff delay fit in `budgetMs`, and an
 * attempt's own timeout is cut to what is left. A retry is only started when, after its backoff, at least
 * min(timeoutMs, MIN_RETRY_ATTEMPT_MS) remains.
 */
export class RetryBudget {
  private readonly startedAt = performance.now();

  constructor(
    private readonly budgetMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Time left for the next attempt: its timeout, or less when the budget is nearly spent. */
  attemptMs(): number {
    return Math.max(1, Math.min(this.timeoutMs, this.leftMs()));
  }

  /** Whether a retry after `delayMs` of backoff would still get a worthwhile attempt. */
  fits(delayMs: number): boolean {
    return this.leftMs() - delayMs >= Math.min(this.timeoutMs, MIN_RETRY_ATTEMPT_MS);
  }

  private leftMs(): number {
    return this.budgetMs - (performance.now() - this.startedAt);
  }
}

/** Waits `delayMs` before a retry; rejects with the signal's reason when the caller gives up meanwhile. */
export async function waitBeforeRetry(delayMs: number, signal?: CancelSignal): Promise<void> {
  if (signal?.aborted === true) throw signal.reason;
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
