import type { Reply } from './gateway-client.js';

/**
 * The gateway's budgets that every request of the generator shares, because the gateway keys them by
 * client address: `auth` (register, login, refresh, logout) and `anonymous` (requests without a token).
 * Per-customer budgets are not mirrored: spreading the flows over many customers keeps each one low.
 */
export type SharedBudget = 'auth' | 'anonymous';

/** The gateway setting that sizes each shared budget, named in what the generator prints. */
export const BUDGET_SETTING: Record<SharedBudget, string> = {
  auth: 'RATE_LIMIT_AUTH_POINTS',
  anonymous: 'RATE_LIMIT_ANONYMOUS_POINTS',
};

interface Window {
  limit: number;
  remaining: number;
  resetAt: number;
}

/**
 * A mirror of the shared budgets, fed by the RateLimit-* headers the gateway sends on every answer of a
 * budgeted route. Before a flow that needs a shared budget starts, `take` says whether the gateway would
 * still accept its requests; a flow that would be refused is held back (and counted) instead of sent, so
 * the generator spends the target's budgets without ever turning its own traffic into 429s. Nothing is
 * assumed before the first answer: until then every flow may go.
 */
export class BudgetMirror {
  private readonly windows = new Map<SharedBudget, Window>();
  private readonly reserved = new Map<SharedBudget, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records what an answer on `budget`'s routes says about it. */
  observe(budget: SharedBudget, reply: Reply): void {
    const at = this.now();
    if (reply.quota !== undefined) {
      const incoming: Window = {
        limit: reply.quota.limit,
        remaining: reply.quota.remaining,
        resetAt: at + reply.quota.resetSeconds * 1000,
      };
      const known = this.windows.get(budget);
      // Answers overtake each other: within one window the lowest remaining count is the latest truth.
      const sameWindow =
        known !== undefined && known.resetAt > at && incoming.resetAt <= known.resetAt + 1500;
      this.windows.set(
        budget,
        sameWindow ? { ...incoming, remaining: Math.min(known.remaining, incoming.remaining) } : incoming,
      );
    } else if (reply.status === 429 && reply.retryAfterSeconds !== undefined) {
      const known = this.windows.get(budget);
      this.windows.set(budget, {
        limit: known?.limit ?? 0,
        remaining: 0,
        resetAt: at + reply.retryAfterSeconds * 1000,
      });
    }
  }

  /**
   * Counts one request on `budget` whose answer does not report it: a login's RateLimit-* headers show the
   * tightest of the auth and the login budgets, so its reply is charged here rather than observed.
   */
  charge(budget: SharedBudget, points = 1): void {
    const window = this.windows.get(budget);
    if (window !== undefined && window.resetAt > this.now()) {
      window.remaining = Math.max(0, window.remaining - points);
    }
  }

  /** Whether `take` would succeed now (nothing is taken). */
  available(budget: SharedBudget, points: number): boolean {
    const window = this.windows.get(budget);
    const reserved = this.reserved.get(budget) ?? 0;
    return window === undefined || window.resetAt <= this.now() || window.remaining - reserved >= points;
  }

  /**
   * Takes `points` of the budget for a flow about to start; false when the gateway would refuse them.
   * Give them back with `release` once the flow's requests are answered.
   */
  take(budget: SharedBudget, points: number): boolean {
    if (!this.available(budget, points)) return false;
    this.reserved.set(budget, (this.reserved.get(budget) ?? 0) + points);
    return true;
  }

  release(budget: SharedBudget, points: number): void {
    this.reserved.set(budget, Math.max(0, (this.reserved.get(budget) ?? 0) - points));
  }

  /** Milliseconds until the budget's window resets (0 when it is not known to be spent). */
  msUntilReset(budget: SharedBudget): number {
    const window = this.windows.get(budget);
    return window === undefined ? 0 : Math.max(0, window.resetAt - this.now());
  }

  /** The budget as last reported, for messages: undefined before any answer on its routes. */
  state(budget: SharedBudget): { limit: number; remaining: number; resetInMs: number } | undefined {
    const window = this.windows.get(budget);
    if (window === undefined) return undefined;
    const resetInMs = Math.max(0, window.resetAt - this.now());
    return { limit: window.limit, remaining: resetInMs > 0 ? window.remaining : window.limit, resetInMs };
  }
}
