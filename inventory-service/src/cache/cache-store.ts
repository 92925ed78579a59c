import type { CachedBody } from '../domain/ports.js';

export type { CachedBody };

/**
 * `fenced` entries (listings) are valid only while no product changed since they were written; unfenced
 * ones (single products) are deleted by name when their product changes.
 */
export interface StoreRead {
  entry: CachedBody | undefined;
  /** The write fence when the read happened: pass it to `write` so that a change in between wins. */
  fence: string;
}

/**
 * Where cached product answers live: the in-process LRU by default, Redis with a cache URL. A store never
 * decides anything about products; it keeps bodies under keys and moves one fence on every change, so that a
 * reader that fetched from the database before a change cannot store what it read after the change's
 * invalidation (the classic cache-aside race).
 */
export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  read(key: string, fenced: boolean): Promise<StoreRead>;
  /** Stores the entry unless the fence moved since `fence` was read; `fenced` as it will be read. */
  write(key: string, entry: CachedBody, fence: string, fenced: boolean): Promise<void>;
  /** Deletes these keys and moves the fence (every fenced entry is then stale). */
  invalidate(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Encoding of an entry as one string: `<fence>\n<etag>\n<body>`. */
export function encodeEntry(entry: CachedBody, fence: string): string {
  return `${fence}\n${entry.etag}\n${entry.body}`;
}

export function decodeEntry(raw: string): { fence: string; entry: CachedBody } | undefined {
  const first = raw.indexOf('\n');
  const second = first < 0 ? -1 : raw.indexOf('\n', first + 1);
  if (second < 0) return undefined;
  return {
    fence: raw.slice(0, first),
    entry: { etag: raw.slice(first + 1, second), body: raw.slice(second + 1) },
  };
}
