import { describe, expect, test } from 'vitest';
import { BoundedMap } from '../src/collections/bounded-map.js';

describe('BoundedMap', () => {
  test('When a key is added past maxEntries, then the oldest added goes and the others stay', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1); // get does not refresh
    map.set('c', 3);

    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([undefined, 2, 3, 2]);
  });

  test('When a key was used, then it is the last to go', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.use('a')).toBe(1);
    map.set('c', 3);

    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
  });

  test('When a kept key is set again, then nothing is dropped', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('b', 20);

    expect([map.get('a'), map.get('b'), map.size]).toEqual([1, 20, 2]);
  });

  test('When maxEntries is not a positive integer, then it is refused', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
