import { describe, expect, test } from 'vitest';
import { percentile, summarizeLatencies } from '../src/latency.js';

describe('percentile and summarizeLatencies', () => {
  test('When asked for p50 and p99 of 1..100, then nearest-rank values 50 and 99 are returned', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });

  test('When there are no samples, then the summary is NaN rather than a made-up zero', () => {
    expect(Number.isNaN(summarizeLatencies([]).p50Ms)).toBe(true);
  });

  test('When samples arrive unsorted, then the summary sorts them numerically', () => {
    const summary = summarizeLatencies([10, 2, 1.5, 30, 3]);
    expect(summary.p50Ms).toBe(3);
    expect(summary.maxMs).toBe(30);
    expect(summary.meanMs).toBeCloseTo(9.3);
  });
});
