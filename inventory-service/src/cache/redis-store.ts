import { Redis } from 'ioredis';
import { closeRedis, redactCredentials, redisOptions, type Logger } from '@shop/platform/runtime';
import { decodeEntry, encodeEntry, type CacheStore, type StoreRead } from './cache-store.js';

export interface RedisStoreOptions {
  url: string;
  /** Every key starts with `<prefix>:`; replicas sharing the catalogue share the prefix. */
  prefix: string;
  ttlSeconds: number;
  /** Longest a cache command may take before the read goes to the database instead. */
  commandTimeoutMs: number;
  logger: Logger;
  /** Called for each cache operation Redis could not do (the caller then uses the database). */
  onError: (operation: 'read' | 'write' | 'invalidate') => void;
}

/** Invalidations that could not reach Redis, kept to be replayed before the cache is trusted again. */
const MAX_PENDING_KEYS = 10_000;
/** How long Redis is left alone after a command failed, and how often undelivered invalidations are retried. */
const COOL_OFF_MS = 1000;

// Writes only when the fence has not moved since the reader looked: a change committed (and invalidated)
// while the reader was at the database wins over what the reader fetched.
const FENCED_SET = `
local current = redis.call('GET', KEYS[2]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * Cache entries in Redis, shared by every replica. Redis is an optimisation, never a dependency: no offline
 * queue and a short command timeout, so while it is away or slow a read costs at most the timeout and then
 * comes from the database. An invalidation that could not be delivered is remembered, and until it has been
 * replayed this process serves from the database only: it never trusts entries it could not invalidate.
 */
export function createRedisStore(options: RedisStoreOptions): CacheStore & { ready(): boolean } {
  const { prefix, logger } = options;
  const fenceKey = `${prefix}:fence`;
  const now = Date.now;
  const redis = new Redis(
    options.url,
    redisOptions({ commandTimeoutMs: options.commandTimeoutMs, maxRetriesPerRequest: 0 }),
  );
  redis.defineCommand('fencedSet', { numberOfKeys: 2, lua: FENCED_SET });
  const fencedSet = (
    redis as Redis & { fencedSet(...args: (string | number)[]): Promise<number> }
  ).fencedSet.bind(redis);
  /** The connection as ioredis reports it. */
  let connection: 'connecting' | 'ready' | 'down' | 'closed' = 'connecting';
  /** After a command failed (a hung Redis keeps its connection), Redis is left alone until then. */
  let coolOffUntil = 0;
  let unavailableLogged = false;
  /**
   * Keys whose invalidation did not reach Redis; `all` once too many (everything under the prefix goes).
   * `all` at start: the database may have changed while this process was away (a restore, a crash between a
   * commit and its invalidation), so entries written before are dropped once, when Redis first answers.
   */
  let pending: Set<string> | 'all' | undefined = 'all';
  let replaying: Promise<void> | undefined;
  const retryTimer = setInterval(() => {
    if (pending !== undefined && connection === 'ready' && now() >= coolOffUntil) void replay();
  }, COOL_OFF_MS);
  retryTimer.unref();

  function unavailable(reason: string): void {
    coolOffUntil = now() + COOL_OFF_MS;
    if (unavailableLogged || connection === 'closed') return;
    unavailableLogged = true;
    logger.warn('Product cache unavailable: product reads are served from the database', {
      reason,
      redis: { url: redactCredentials(options.url) },
    });
  }

  function answered(): void {
    if (!unavailableLogged) return;
    unavailableLogged = false;
    logger.info('Product cache is back');
  }

  redis.on('error', (error: Error) => {
    if (connection !== 'closed') connection = 'down';
    unavailable(error.message);
  });
  redis.on('close', () => {
    if (connection === 'closed') return;
    connection = 'down';
    unavailable('connection closed');
  });
  redis.on('ready', () => {
    if (connection === 'closed') return;
    connection = 'ready';
    coolOffUntil = 0;
    void replay();
  });

  function remember(keys: readonly string[] | 'all'): void {
    if (pending === 'all') return;
    if (keys === 'all') {
      pending = 'all';
      return;
    }
    pending ??= new Set();
    for (const key of keys) pending.add(key);
    if (pending.size > MAX_PENDING_KEYS) pending = 'all';
  }

  async function deliver(keys: readonly string[] | 'all'): Promise<void> {
    if (keys === 'all') {
      // Too many to name: everything under the prefix goes, in batches.
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        const names = found.filter((name) => name !== fenceKey);
        if (names.length > 0) await redis.unlink(...names);
      } while (cursor !== '0');
    }
    const multi = redis.multi();
    if (keys !== 'all' && keys.length > 0) multi.unlink(...keys.map((key) => `${prefix}:${key}`));
    multi.incr(fenceKey);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw failed ?? new Error('transaction aborted');
  }

  function replay(): Promise<void> {
    if (pending === undefined) return Promise.resolve();
    replaying ??= (async () => {
      const keys = pending === 'all' ? 'all' : [...(pending ?? [])];
      pending = undefined;
      try {
        await deliver(keys);
        answered();
        logger.info('Product cache invalidations delivered after an outage', {
          cache: { invalidated: keys === 'all' ? 'all' : String(keys.length) },
        });
      } catch (error) {
        remember(keys);
        options.onError('invalidate');
        unavailable(error instanceof Error ? error.message : String(error));
      } finally {
        replaying = undefined;
      }
    })();
    return replaying;
  }

  /** Entries are trusted only when Redis answers and every invalidation of this process reached it. */
  function usable(): boolean {
    return (
      connection === 'ready' && pending === undefined && replaying === undefined && now() >= coolOffUntil
    );
  }

  // A fence no write can match: what the reader fetches is not stored while the cache is not trusted.
  const untrusted: StoreRead = { entry: undefined, fence: 'untrusted' };

  return {
    kind: 'redis',
    ready: () => connection === 'ready',

    async read(key, fenced): Promise<StoreRead> {
      if (!usable()) return untrusted;
      try {
        const [raw, fence] = await redis.mget(`${prefix}:${key}`, fenceKey);
        answered();
        const current = fence ?? '0';
        const decoded = raw ? decodeEntry(raw) : undefined;
        if (!decoded || (fenced && decoded.fence !== current)) return { entry: undefined, fence: current };
        return { entry: decoded.entry, fence: current };
      } catch (error) {
        options.onError('read');
        unavailable(error instanceof Error ? error.message : String(error));
        return untrusted;
      }
    },

    async write(key, entry, fence): Promise<void> {
      if (fence === 'untrusted' || !usable()) return;
      try {
        await fencedSet(`${prefix}:${key}`, fenceKey, fence, encodeEntry(entry, fence), options.ttlSeconds);
      } catch (error) {
        options.onError('write');
        unavailable(error instanceof Error ? error.message : String(error));
      }
    },

    async invalidate(keys): Promise<void> {
      if (connection !== 'ready' || pending !== undefined || now() < coolOffUntil) {
        remember(keys);
        if (connection !== 'ready' || now() < coolOffUntil) options.onError('invalidate');
        else await replay();
        return;
      }
      try {
        await deliver(keys);
      } catch (error) {
        remember(keys);
        options.onError('invalidate');
        unavailable(error instanceof Error ? error.message : String(error));
      }
    },

    async close(): Promise<void> {
      connection = 'closed';
      clearInterval(retryTimer);
      await closeRedis(redis);
    },
  };
}
