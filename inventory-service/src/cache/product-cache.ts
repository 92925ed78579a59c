import { createHash } from 'node:crypto';
import { counter, type Logger, type Registry } from '@shop/platform/runtime';
import type { CachedBody, ProductCache } from '../domain/ports.js';
import type { CacheStore } from './cache-store.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';

export interface ProductCacheSettings {
  /** Redis URL; the in-process LRU without one. */
  url?: string | undefined;
  /** `off`: every read goes to the database (the bench's cold side, or to rule the cache out). */
  enabled: boolean;
  ttlSeconds: number;
  maxBytes: number;
  maxEntries: number;
  keyPrefix: string;
  commandTimeoutMs: number;
}

export type CacheKind = 'item' | 'list';

export type { ProductCache };

function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

function fresh(load: () => unknown): CachedBody {
  const body = JSON.stringify(load());
  return { body, etag: etagOf(body) };
}

export function createProductCache(
  settings: ProductCacheSettings,
  deps: { logger: Logger; registry: Registry },
): ProductCache {
  const { logger, registry } = deps;
  const hits = counter(registry, {
    name: 'product_cache_hits_total',
    help: 'Product reads answered from the cache, by kind (item or list)',
    labelNames: ['kind'] as const,
    startAtZero: { kind: ['item', 'list'] },
  });
  const misses = counter(registry, {
    name: 'product_cache_misses_total',
    help: 'Product reads the cache could not answer (read from the database), by kind',
    labelNames: ['kind'] as const,
    startAtZero: { kind: ['item', 'list'] },
  });
  const evictions = counter(registry, {
    name: 'product_cache_evictions_total',
    help: 'In-process cache entries dropped to stay within the bounds (size) or found expired (expired)',
    labelNames: ['reason'] as const,
    startAtZero: { reason: ['size', 'expired'] },
  });
  const errors = counter(registry, {
    name: 'product_cache_errors_total',
    help: 'Cache operations the cache store could not do (the database answered instead), by operation',
    labelNames: ['operation'] as const,
    startAtZero: { operation: ['read', 'write', 'invalidate'] },
  });
  const invalidations = counter(registry, {
    name: 'product_cache_invalidations_total',
    help: 'Committed product or stock changes that invalidated cached product answers',
    startAtZero: {},
  });

  if (!settings.enabled) {
    return {
      store: 'off',
      item: (_id, load) => {
        misses.inc({ kind: 'item' });
        return Promise.resolve(fresh(load));
      },
      list: (_key, load) => {
        misses.inc({ kind: 'list' });
        return Promise.resolve(fresh(load));
      },
      invalidate: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }

  let store: CacheStore;
  if (settings.url) {
    store = createRedisStore({
      url: settings.url,
      prefix: settings.keyPrefix,
      ttlSeconds: settings.ttlSeconds,
      commandTimeoutMs: settings.commandTimeoutMs,
      logger,
      onError: (operation) => errors.inc({ operation }),
    });
  } else {
    const memory = createMemoryStore({
      maxBytes: settings.maxBytes,
      maxEntries: settings.maxEntries,
      ttlMs: settings.ttlSeconds * 1000,
      onEvict: (reason) => evictions.inc({ reason }),
    });
    store = memory;
  }

  async function cached(kind: CacheKind, key: string, load: () => unknown): Promise<CachedBody> {
    const fenced = kind === 'list';
    const { entry, fence } = await store.read(key, fenced);
    if (entry) {
      hits.inc({ kind });
      return entry;
    }
    misses.inc({ kind });
    // The loader runs synchronously (better-sqlite3): a 404 or a bad query throws here and nothing is stored.
    const loaded = fresh(load);
    await store.write(key, loaded, fence, fenced);
    return loaded;
  }

  return {
    store: store.kind,
    item: (id, load) => cached('item', `p:${id}`, load),
    list: (key, load) => cached('list', `l:${key}`, load),
    async invalidate(productIds) {
      const keys = [...new Set(productIds)].map((id) => `p:${id}`);
      invalidations.inc();
      try {
        await store.invalidate(keys);
      } catch (error) {
        // Stores report their own failures; this is a last guard so a commit is never answered with an error.
        errors.inc({ operation: 'invalidate' });
        logger.warn('Product cache invalidation failed', { err: error });
      }
    },
    close: () => store.close(),
  };
}
