import type { Redis, RedisOptions } from 'ioredis';

/**
 * The connection options every Redis user of the platform shares (the rate limits, the budgets, the product
 * cache): Redis is an optimisation, never a dependency, so there is no offline queue and a short command
 * timeout; while it is away a caller answers from its fallback at once. Types only: ioredis itself is loaded
 * by the caller, and only when a Redis URL is configured.
 */
export function redisOptions(settings: {
  commandTimeoutMs: number;
  maxRetriesPerRequest: number;
}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: settings.maxRetriesPerRequest,
    connectTimeout: 2000,
    commandTimeout: settings.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
}

/** Ends the connection politely (QUIT), or drops it when Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/** The URL as it may be logged: the password replaced by `***`. */
export function redactCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'invalid url';
  }
}
