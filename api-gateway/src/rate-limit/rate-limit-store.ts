import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import {
  closeRedis,
  redactCredentials,
  redisOptions,
  type CheckResult,
  type Logger,
} from '@shop/platform/runtime';

/**
 * Where rate-limit counters live: this process's memory; the gateway's primary process, shared by its
 * workers (GATEWAY_WORKERS > 1); or Redis, shared by every worker of every gateway replica.
 */
export interface RateLimitStore {
  readonly redis: Redis | undefined;
  /** Counters kept by the cluster's primary (a worker without Redis). */
  readonly cluster: boolean;
  /** Called by the insurance limiters each time Redis could not answer and this instance's memory did. */
  onFallback(): void;
  /** Resolves once Redis has answered (connected or refused), or after `timeoutMs`. */
  connected(timeoutMs: number): Promise<void>;
  describe(): CheckResult;
  close(): Promise<void>;
}

const FALLBACK_LOG_INTERVAL_MS = 10_000;

const require = createRequire(import.meta.url);

/**
 * ioredis, loaded only when REDIS_URL is set (decision 0067): a gateway keeping its counters in memory or in
 * its cluster's primary never needs it. It is CommonJS, so a synchronous require keeps this factory sync.
 */
function redisClient(url: string, options: ReturnType<typeof redisOptions>): Redis {
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url, options);
}

export function createRateLimitStore(
  redisUrl: string | undefined,
  logger: Logger,
  { clusterWorker = cluster.isWorker }: { clusterWorker?: boolean } = {},
): RateLimitStore {
  if (redisUrl === undefined) {
    return {
      redis: undefined,
      cluster: clusterWorker,
      onFallback() {},
      connected: () => Promise.resolve(),
      describe: () => ({
        ok: true,
        detail: clusterWorker ? 'primary process (shared by the workers)' : 'memory (per instance)',
      }),
      close: () => Promise.resolve(),
    };
  }

  // No offline queue and a short command timeout: while Redis is away, requests must not wait for it;
  // the limiters then answer from the in-memory insurance limiter instead.
  const redis = redisClient(redisUrl, redisOptions({ commandTimeoutMs: 500, maxRetriesPerRequest: 1 }));
  let state: 'connecting' | 'ready' | 'down' | 'closed' = 'connecting';
  let fallbacks = 0;
  let lastFallbackLog = 0;

  const markDown = (reason: string): void => {
    // After close(), the connection ending is the point: nothing to report (the logger may be ended too).
    if (state === 'down' || state === 'closed') return;
    state = 'down';
    logger.warn('Redis unavailable: rate limits now use the in-memory insurance limiter of this instance', {
      reason,
      redis: { url: redactCredentials(redisUrl) },
    });
  };
  redis.on('error', (error: Error) => markDown(error.message));
  redis.on('close', () => {
    if (state === 'ready') markDown('connection closed');
  });
  redis.on('ready', () => {
    if (state === 'closed') return;
    if (state === 'down') logger.info('Redis is back: rate limits are shared again');
    state = 'ready';
  });

  return {
    redis,
    cluster: false,
    onFallback() {
      fallbacks++;
      const now = Date.now();
      if (now - lastFallbackLog < FALLBACK_LOG_INTERVAL_MS) return;
      lastFallbackLog = now;
      logger.warn('Rate limit decided by the in-memory insurance limiter (Redis did not answer)', {
        fallbacks,
      });
    },
    async connected(timeoutMs) {
      if (state !== 'connecting') return;
      // The first answer settles it: connected, or refused (then the insurance limiter serves meanwhile).
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const settle = () => {
          redis.off('ready', settle);
          redis.off('error', settle);
          resolve();
        };
        redis.once('ready', settle);
        redis.once('error', settle);
        timer = setTimeout(settle, timeoutMs);
      });
      clearTimeout(timer);
    },
    describe: () =>
      state === 'ready'
        ? { ok: true, detail: 'redis (shared)' }
        : { ok: true, detail: 'redis unavailable: per-instance in-memory insurance limits' },
    async close() {
      state = 'closed';
      await closeRedis(redis);
    },
  };
}
