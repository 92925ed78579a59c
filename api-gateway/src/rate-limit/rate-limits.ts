import {
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Context } from 'koa';
import { AppError, counter, type Registry } from '@shop/platform/runtime';
import type { GatewayConfig } from '../config.js';
import type { RateLimitStore } from './rate-limit-store.js';

export type LimiterName = 'anonymous' | 'auth' | 'api' | 'login_email' | 'login_ip';

const LIMITER_NAMES: readonly LimiterName[] = ['anonymous', 'auth', 'api', 'login_email', 'login_ip'];

interface LimitSettings {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
}

/** What is left of a budget, as the RateLimit-* response headers report it. */
export interface Quota {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface RateLimits {
  /** Takes one point from `key`'s budget; throws 429 `rate_limited` (with Retry-After) when it is spent. */
  consume(limiter: LimiterName, key: string): Promise<Quota>;
  /** Gives a point back (a login that succeeded does not count against its IP). */
  refund(limiter: LimiterName, key: string): Promise<void>;
  /** Forgets `key` (a successful login clears its e-mail's failures). */
  reset(limiter: LimiterName, key: string): Promise<void>;
}

function settingsFrom(config: GatewayConfig): Record<LimiterName, LimitSettings> {
  const login = {
    durationSeconds: config.RATE_LIMIT_LOGIN_DURATION_SECONDS,
    blockSeconds: config.RATE_LIMIT_LOGIN_BLOCK_SECONDS,
  };
  return {
    anonymous: {
      points: config.RATE_LIMIT_ANONYMOUS_POINTS,
      durationSeconds: config.RATE_LIMIT_ANONYMOUS_DURATION_SECONDS,
      blockSeconds: 0,
    },
    auth: {
      points: config.RATE_LIMIT_AUTH_POINTS,
      durationSeconds: config.RATE_LIMIT_AUTH_DURATION_SECONDS,
      blockSeconds: 0,
    },
    api: {
      points: config.RATE_LIMIT_API_POINTS,
      durationSeconds: config.RATE_LIMIT_API_DURATION_SECONDS,
      blockSeconds: 0,
    },
    login_email: { points: config.RATE_LIMIT_LOGIN_EMAIL_POINTS, ...login },
    login_ip: { points: config.RATE_LIMIT_LOGIN_IP_POINTS, ...login },
  };
}

/** Counts its use: an insurance decision is never silent (logged, throttled, by the store). */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(
    key: string | number,
    points?: number,
    options?: Record<string, unknown>,
  ): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/** How long a worker waits for the primary's answer before the request fails (500). */
const CLUSTER_TIMEOUT_MS = 2_000;

function createLimiter(
  name: LimiterName,
  settings: LimitSettings,
  prefix: string,
  store: RateLimitStore,
): RateLimiterAbstract {
  const options = {
    keyPrefix: `${prefix}:${name}`,
    points: settings.points,
    duration: settings.durationSeconds,
    blockDuration: settings.blockSeconds,
  };
  // In a worker, the primary holds the counters (RateLimiterClusterMaster): one count across workers.
  if (store.redis === undefined && store.cluster) {
    return new RateLimiterCluster({ ...options, timeoutMs: CLUSTER_TIMEOUT_MS });
  }
  if (store.redis === undefined) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: store.redis,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new InsuranceLimiter(options, () => store.onFallback()),
  });
}

function quotaOf(limit: number, result: RateLimiterRes): Quota {
  return {
    limit,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
  };
}

/** The rate limits of docs/architecture.md#resilience-policies, with rate-limiter-flexible: memory by default, Redis (plus insurance) with REDIS_URL. */
export function createRateLimits(
  config: GatewayConfig,
  store: RateLimitStore,
  registry: Registry,
): RateLimits {
  const settings = settingsFrom(config);
  const rejections = counter(registry, {
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429 by the gateway, per limiter',
    labelNames: ['limiter'] as const,
  });
  const limiters = new Map<
    LimiterName,
    { limiter: RateLimiterAbstract; points: number; rejected: () => void }
  >();
  for (const name of LIMITER_NAMES) {
    const child = rejections.labels({ limiter: name });
    // Zero series from the start, so dashboards and alerts see the metric before the first rejection.
    child.inc(0);
    limiters.set(name, {
      limiter: createLimiter(name, settings[name], config.RATE_LIMIT_KEY_PREFIX, store),
      points: settings[name].points,
      rejected: () => child.inc(),
    });
  }
  const entry = (name: LimiterName) => limiters.get(name) as NonNullable<ReturnType<typeof limiters.get>>;

  return {
    // A promise chain rather than an async function: one promise fewer on every request's path.
    consume(name, key) {
      const { limiter, points, rejected } = entry(name);
      return limiter.consume(key).then(
        (result) => quotaOf(points, result),
        (outcome: unknown) => {
          if (!(outcome instanceof RateLimiterRes)) throw outcome;
          rejected();
          const quota = quotaOf(points, outcome);
          const retryAfter = String(quota.resetSeconds);
          throw new AppError('rate_limited', 'Too many requests, retry later', 429, {
            headers: {
              'Retry-After': retryAfter,
              'RateLimit-Limit': String(points),
              'RateLimit-Remaining': '0',
              'RateLimit-Reset': retryAfter,
            },
          });
        },
      );
    },
    async refund(name, key) {
      await entry(name).limiter.reward(key, 1);
    },
    async reset(name, key) {
      await entry(name).limiter.delete(key);
    },
  };
}

/** RateLimit-* headers (IETF httpapi draft) on every response of a limited route, not only on 429. */
export function setQuotaHeaders(ctx: Context, quota: Quota): void {
  const res = ctx.res;
  res.setHeader('RateLimit-Limit', String(quota.limit));
  res.setHeader('RateLimit-Remaining', String(quota.remaining));
  res.setHeader('RateLimit-Reset', String(quota.resetSeconds));
}
