import { describe, expect, test } from 'vitest';
import { createMemoryStore } from '../src/cache/memory-store.js';

const entry = (body: string) => ({ body, etag: `"${body}"` });

describe('in-process product cache (LRU)', () => {
  test('When the size bound is exceeded, then the least recently used entries go first and are counted', async () => {
    const evicted: string[] = [];
    const store = createMemoryStore({
      maxBytes: 1000,
      maxEntries: 3,
      ttlMs: 60_000,
      onEvict: (r) => evicted.push(r),
    });
    const { fence } = await store.read('a', false);
    await store.write('a', entry('1'), fence, false);
    await store.write('b', entry('2'), fence, false);
    await store.write('c', entry('3'), fence, false);
    await store.read('a', false); // a is now the most recently used
    await store.write('d', entry('4'), fence, false);

    expect((await store.read('b', false)).entry).toBeUndefined();
    expect((await store.read('a', false)).entry?.body).toBe('1');
    expect(store.entries()).toBe(3);
    expect(evicted).toEqual(['size']);
  });

  test('When the byte bound is exceeded, then entries go until the bodies fit again', async () => {
    const store = createMemoryStore({ maxBytes: 100, maxEntries: 100, ttlMs: 60_000 });
    const { fence } = await store.read('x', false);
    for (let i = 0; i < 5; i++) await store.write(`k${i}`, entry('x'.repeat(20)), fence, false);
    expect(store.bytes()).toBeLessThanOrEqual(100);
    expect(store.entries()).toBe(2);
  });

  test('When an entry is older than the TTL, then it is a miss and counted as expired', async () => {
    let now = 0;
    const evicted: string[] = [];
    const store = createMemoryStore({
      maxBytes: 1000,
      maxEntries: 10,
      ttlMs: 1000,
      now: () => now,
      onEvict: (reason) => evicted.push(reason),
    });
    await store.write('a', entry('1'), (await store.read('a', false)).fence, false);
    now = 999;
    expect((await store.read('a', false)).entry).toBeDefined();
    now = 1000;
    expect((await store.read('a', false)).entry).toBeUndefined();
    expect(evicted).toEqual(['expired']);
  });

  test('When a change is invalidated between a miss and its write, then what the reader fetched is not stored', async () => {
    const store = createMemoryStore({ maxBytes: 1000, maxEntries: 10, ttlMs: 60_000 });
    const { fence } = await store.read('p:1', false);
    await store.invalidate(['p:1']);
    await store.write('p:1', entry('old'), fence, false);
    expect((await store.read('p:1', false)).entry).toBeUndefined();
  });

  test('When any product changes, then every listing is stale and named products go; other products stay', async () => {
    const store = createMemoryStore({ maxBytes: 1000, maxEntries: 10, ttlMs: 60_000 });
    const { fence } = await store.read('l:all', true);
    await store.write('l:all', entry('list'), fence, true);
    await store.write('p:1', entry('one'), fence, false);
    await store.write('p:2', entry('two'), fence, false);
    await store.invalidate(['p:1']);
    expect((await store.read('l:all', true)).entry).toBeUndefined();
    expect((await store.read('p:1', false)).entry).toBeUndefined();
    expect((await store.read('p:2', false)).entry?.body).toBe('two');
  });
});
