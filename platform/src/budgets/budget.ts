import { AppError } from '../errors/app-error.js';
import { immediateTransactor, type Db, type Transactor } from '../db/sqlite.js';
import type { Logger } from '../logging/logger.js';

/** A budget: `points` uses per `durationSeconds` window; once spent, refused for `blockSeconds` (or the window). */
export interface BudgetSettings {
  /** Stable name, part of every key (e.g. `login_email`). */
  name: string;
  points: number;
  durationSeconds: number;
  /** How long a key is refused once it has spent its budget; 0: until its window ends. */
  blockSeconds?: number;
}

export type BudgetOutcome =
  { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface Budget {
  readonly settings: BudgetSettings;
  /** Takes one point from `key`'s budget. */
  consume(key: string): Promise<BudgetOutcome>;
  /** Gives one point back (a login that succeeded does not count against its client). */
  refund(key: string): Promise<void>;
  /** Forgets `key` (a successful login clears its e-mail's failures). */
  reset(key: string): Promise<void>;
}

/** Where budgets live: shared by every replica (the service's database, or Redis when REDIS_URL is set). */
export interface BudgetStore {
  budget(settings: BudgetSettings): Budget;
  /** `database` or `redis (shared)`, for readiness details and logs. */
  readonly kind: string;
  close(): Promise<void>;
}

/** 429 with Retry-After (seconds), the platform's answer to a spent budget. */
function budgetExceeded(
  retryAfterSeconds: number,
  code = 'rate_limited',
  message = 'Too many requests, retry later',
): AppError {
  return new AppError(code, message, 429, {
    headers: { 'Retry-After': String(Math.max(1, retryAfterSeconds)) },
  });
}

/** Throws budgetExceeded when `outcome` is a refusal. */
export function assertAllowed(outcome: BudgetOutcome, code?: string, message?: string): void {
  if (!outcome.allowed) throw budgetExceeded(outcome.retryAfterSeconds, code, message);
}

interface BudgetRow {
  used: number;
  window_ends_ms: number;
  blocked_until_ms: number;
}

/**
 * Budgets in the service's own SQLite database (table `rate_budgets`, created on first use): every replica
 * and restart sees the same counts. Fixed windows; a key that spends its budget is refused until
 * `blockSeconds` have passed (or its window ends). Each use is one short IMMEDIATE transaction.
 */
function databaseBudgetStore(db: Db, now: () => number = Date.now): BudgetStore {
  db.exec(`CREATE TABLE IF NOT EXISTS rate_budgets (
    key TEXT PRIMARY KEY,
    used INTEGER NOT NULL,
    window_ends_ms INTEGER NOT NULL,
    blocked_until_ms INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID`);
  const transaction: Transactor = immediateTransactor(db);
  const read = db.prepare<[string], BudgetRow>(
    'SELECT used, window_ends_ms, blocked_until_ms FROM rate_budgets WHERE key = ?',
  );
  const write = db.prepare<[string, number, number, number]>(
    `INSERT INTO rate_budgets (key, used, window_ends_ms, blocked_until_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET used = excluded.used, window_ends_ms = excluded.window_ends_ms,
       blocked_until_ms = excluded.blocked_until_ms`,
  );
  const remove = db.prepare<[string]>('DELETE FROM rate_budgets WHERE key = ?');
  const refund = db.prepare<[string]>('UPDATE rate_budgets SET used = MAX(0, used - 1) WHERE key = ?');
  const sweep = db.prepare<[{ now: number }]>(
    'DELETE FROM rate_budgets WHERE window_ends_ms <= @now AND blocked_until_ms <= @now',
  );
  let sweptAt = 0;

  return {
    kind: 'database (shared)',
    budget(settings) {
      const prefix = `${settings.name}:`;
      const durationMs = settings.durationSeconds * 1000;
      const blockMs = (settings.blockSeconds ?? 0) * 1000;
      return {
        settings,
        consume(key) {
          return transaction((): BudgetOutcome => {
            const at = now();
            if (at - sweptAt > 60_000) {
              sweptAt = at;
              sweep.run({ now: at });
            }
            const row = read.get(prefix + key);
            if (row !== undefined && row.blocked_until_ms > at) {
              return { allowed: false, retryAfterSeconds: Math.ceil((row.blocked_until_ms - at) / 1000) };
            }
            const fresh = row === undefined || row.window_ends_ms <= at;
            const used = fresh ? 1 : row.used + 1;
            const windowEnds = fresh ? at + durationMs : row.window_ends_ms;
            if (used > settings.points) {
              const blockedUntil = blockMs > 0 ? at + blockMs : windowEnds;
              write.run(prefix + key, used, windowEnds, blockedUntil);
              return { allowed: false, retryAfterSeconds: Math.ceil((blockedUntil - at) / 1000) };
            }
            write.run(prefix + key, used, windowEnds, 0);
            return { allowed: true, remaining: settings.points - used };
          });
        },
        async refund(key) {
          await transaction(() => refund.run(prefix + key));
        },
        async reset(key) {
          await transaction(() => remove.run(prefix + key));
        },
      };
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Budgets in Redis (rate-limiter-flexible), shared by every replica of every service that uses the same
 * prefix. While Redis does not answer, this instance's memory decides (logged, at most every 10 s).
 * ioredis and rate-limiter-flexible are loaded here, on first use: a service without REDIS_URL never loads
 * them.
 */
export function redisBudgetStore(redisUrl: string, keyPrefix: string, logger: Logger): BudgetStore {
  const loading = import('./redis-budget-store.js').then(({ connectRedisBudgetStore }) =>
    connectRedisBudgetStore(redisUrl, keyPrefix, logger),
  );
  return {
    kind: 'redis (shared)',
    budget(settings) {
      const budget = loading.then((store) => store.budget(settings));
      return {
        settings,
        consume: (key) => budget.then((loaded) => loaded.consume(key)),
        refund: (key) => budget.then((loaded) => loaded.refund(key)),
        reset: (key) => budget.then((loaded) => loaded.reset(key)),
      };
    },
    close: () => loading.then((store) => store.close()),
  };
}

/** Redis when `redisUrl` is set, else the service's database. */
export function createBudgetStore(options: {
  db: Db;
  redisUrl?: string | undefined;
  keyPrefix: string;
  logger: Logger;
}): BudgetStore {
  return options.redisUrl === undefined || options.redisUrl === ''
    ? databaseBudgetStore(options.db)
    : redisBudgetStore(options.redisUrl, options.keyPrefix, options.logger);
}
