import type { CachedBody, CacheStore, StoreRead } from './cache-store.js';

export interface MemoryStoreOptions {
  /** Upper bound on the bodies' total size (UTF-16 code units, about bytes for the catalogue's text). */
  maxBytes: number;
  /** Upper bound on the number of entries. */
  maxEntries: number;
  /** An entry older than this is a miss (and removed). */
  ttlMs: number;
  /** Called once per entry dropped to stay within the bounds (`size`) or found expired (`expired`). */
  onEvict?: (reason: 'size' | 'expired') => void;
  now?: () => number;
}

interface Slot {
  entry: CachedBody;
  fence: number;
  expiresAt: number;
  size: number;
}

/**
 * A bounded LRU in the process: a Map keeps insertion order, a hit moves its key to the end, the oldest keys
 * go first when the bounds are exceeded. Reads and writes are synchronous under the hood (the promise is the
 * store interface), so a reader's miss, database read and write cannot interleave with an invalidation.
 */
export function createMemoryStore(
  options: MemoryStoreOptions,
): CacheStore & { entries(): number; bytes(): number } {
  const slots = new Map<string, Slot>();
  const now = options.now ?? Date.now;
  /** Keys of the fenced entries: all of them are stale after an invalidation, so they go at once. */
  const fencedKeys = new Set<string>();
  let fence = 0;
  let bytes = 0;

  function drop(key: string, slot: Slot): void {
    slots.delete(key);
    fencedKeys.delete(key);
    bytes -= slot.size;
  }

  function trim(): void {
    for (const [key, slot] of slots) {
      if (bytes <= options.maxBytes && slots.size <= options.maxEntries) return;
      drop(key, slot);
      options.onEvict?.('size');
    }
  }

  return {
    kind: 'memory',
    read(key, fenced): Promise<StoreRead> {
      const slot = slots.get(key);
      const current = String(fence);
      if (!slot) return Promise.resolve({ entry: undefined, fence: current });
      if (slot.expiresAt <= now()) {
        drop(key, slot);
        options.onEvict?.('expired');
        return Promise.resolve({ entry: undefined, fence: current });
      }
      if (fenced && slot.fence !== fence) {
        drop(key, slot);
        return Promise.resolve({ entry: undefined, fence: current });
      }
      slots.delete(key);
      slots.set(key, slot);
      return Promise.resolve({ entry: slot.entry, fence: current });
    },
    write(key, entry, readFence, fenced): Promise<void> {
      if (readFence !== String(fence)) return Promise.resolve();
      const size = entry.body.length + entry.etag.length + key.length;
      if (size > options.maxBytes) return Promise.resolve();
      const old = slots.get(key);
      if (old) drop(key, old);
      slots.set(key, { entry, fence, expiresAt: now() + options.ttlMs, size });
      if (fenced) fencedKeys.add(key);
      bytes += size;
      trim();
      return Promise.resolve();
    },
    invalidate(keys): Promise<void> {
      fence += 1;
      for (const key of [...keys, ...fencedKeys]) {
        const slot = slots.get(key);
        if (slot) drop(key, slot);
      }
      return Promise.resolve();
    },
    close(): Promise<void> {
      slots.clear();
      fencedKeys.clear();
      bytes = 0;
      return Promise.resolve();
    },
    entries: () => slots.size,
    bytes: () => bytes,
  };
}
