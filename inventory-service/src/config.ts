import type { ProductCacheSettings } from './cache/product-cache.js';
import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5002),
  // The demo catalog (ids 1..12) is written on the very first start only, never over an admin's edits.
  SEED_DEMO_CATALOG: env.boolean(true),
  // Product read cache (docs/features/caching.md): Redis at PRODUCT_CACHE_URL, else REDIS_URL, else in-process.
  PRODUCT_CACHE_ENABLED: env.boolean(true),
  PRODUCT_CACHE_URL: env.optionalString(),
  REDIS_URL: env.optionalString(),
  PRODUCT_CACHE_TTL_SECONDS: env.int(60, 1),
  PRODUCT_CACHE_MAX_BYTES: env.int(16 * 1024 * 1024, 64 * 1024),
  PRODUCT_CACHE_MAX_ENTRIES: env.int(10_000, 1),
  PRODUCT_CACHE_KEY_PREFIX: env.string('inventory-products'),
  PRODUCT_CACHE_TIMEOUT_MS: env.int(100, 1),
});

export type InventoryConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): InventoryConfig {
  return parseConfig(schema, source);
}

/** The cache settings of the config: PRODUCT_CACHE_URL wins over REDIS_URL; neither means the in-process LRU. */
export function productCacheSettings(config: InventoryConfig): ProductCacheSettings {
  return {
    enabled: config.PRODUCT_CACHE_ENABLED,
    url: config.PRODUCT_CACHE_URL ?? config.REDIS_URL,
    ttlSeconds: config.PRODUCT_CACHE_TTL_SECONDS,
    maxBytes: config.PRODUCT_CACHE_MAX_BYTES,
    maxEntries: config.PRODUCT_CACHE_MAX_ENTRIES,
    keyPrefix: config.PRODUCT_CACHE_KEY_PREFIX,
    commandTimeoutMs: config.PRODUCT_CACHE_TIMEOUT_MS,
  };
}
