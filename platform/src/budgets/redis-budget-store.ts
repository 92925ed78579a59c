import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '../logging/logger.js';
import { closeRedis, redisOptions } from '../redis/redis-connection.js';
import type { BudgetOutcome, BudgetStore } from './budget.js';

/** How long the first budgets after start-up wait for the Redis connection before memory decides. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/**
 * Budgets in Redis (rate-limiter-flexible), shared by every replica of every service that uses the same
 * prefix. While Redis does not answer, this instance's memory decides (logged, at most every 10 s).
 * Loaded by `redisBudgetStore` (budget.ts) only when REDIS_URL is set.
 */
export function connectRedisBudgetStore(redisUrl: string, keyPrefix: string, logger: Logger): BudgetStore {
  const redis = new Redis(redisUrl, redisOptions({ commandTimeoutMs: 500, maxRetriesPerRequest: 1 }));
  // Right after start-up the connection is still being made: the first budgets wait for it (once, at most
  // FIRST_CONNECTION_WAIT_MS) instead of being decided by this instance's memory alone, which would let every
  // replica that just started grant its own full budget.
  let connectedOnce = false;
  const firstConnection = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FIRST_CONNECTION_WAIT_MS);
    timer.unref();
    redis.once('ready', () => {
      connectedOnce = true;
      clearTimeout(timer);
      resolve();
    });
  });
  let lastWarn = 0;
  redis.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastWarn < 10_000) return;
    lastWarn = now;
    logger.warn('Redis unavailable: budgets decided by this instance memory meanwhile', {
      reason: error.message,
    });
  });
  return {
    kind: 'redis (shared)',
    budget(settings) {
      const options = {
        keyPrefix: `${keyPrefix}:${settings.name}`,
        points: settings.points,
        duration: settings.durationSeconds,
        blockDuration: settings.blockSeconds ?? 0,
      };
      const limiter: RateLimiterAbstract = new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
      return {
        settings,
        consume: async (key) => {
          if (!connectedOnce) await firstConnection;
          return limiter.consume(key).then(
            (result): BudgetOutcome => ({ allowed: true, remaining: result.remainingPoints }),
            (outcome: unknown): BudgetOutcome => {
              if (!(outcome instanceof RateLimiterRes)) throw outcome;
              return {
                allowed: false,
                retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)),
              };
            },
          );
        },
        refund: async (key) => {
          if (!connectedOnce) await firstConnection;
          await limiter.reward(key, 1);
        },
        reset: async (key) => {
          if (!connectedOnce) await firstConnection;
          await limiter.delete(key);
        },
      };
    },
    async close() {
      await closeRedis(redis);
    },
  };
}
