export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

/**
 * Exponential backoff with jitter for the `failures`-th consecutive failure (1-based): about initialMs,
 * 2x, 4x ... capped at maxMs. Jitter keeps every service from reconnecting in the same instant.
 */
export function backoffDelay(
  failures: number,
  { initialMs = 200, maxMs = 10_000 }: BackoffOptions = {},
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.75 + Math.random() * 0.25));
}
