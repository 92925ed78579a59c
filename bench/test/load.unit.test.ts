import { describe, expect, test } from 'vitest';
import { withCpuPerRequest, type LoadResult } from '../src/load.js';

const answered = (requests: number): LoadResult => ({
  requestsPerSecond: requests,
  requests,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { '200': requests },
  p50Ms: 1,
  p99Ms: 1,
  maxMs: 1,
  meanMs: 1,
});

describe('withCpuPerRequest', () => {
  test('When the target spent 5000 µs of CPU on 100 answered requests, then 50 µs per request is recorded', async () => {
    const readings = [1_000, 6_000];
    const result = await withCpuPerRequest(
      () => readings.shift(),
      () => Promise.resolve(answered(100)),
    );
    expect(result.cpuMicrosPerRequest).toBe(50);
    expect(result.requests).toBe(100);
  });

  test('When nothing was answered, then CPU per request is NaN, not a division by zero', async () => {
    const readings = [1_000, 2_000];
    const result = await withCpuPerRequest(
      () => Promise.resolve(readings.shift()),
      () => Promise.resolve(answered(0)),
    );
    expect(Number.isNaN(result.cpuMicrosPerRequest)).toBe(true);
  });

  test('When the CPU time cannot be read (no /proc), then no CPU figure is set', async () => {
    const result = await withCpuPerRequest(
      () => undefined,
      () => Promise.resolve(answered(100)),
    );
    expect(result).not.toHaveProperty('cpuMicrosPerRequest');
  });
});
