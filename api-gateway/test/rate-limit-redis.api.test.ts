import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { reachable, request } from '@shop/platform/tools/testing';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await reachable(REDIS_URL);
const required = process.env.REQUIRE_SERVICES === '1';
if (!redisUp && !required) {
  console.warn(
    `SKIPPED: Redis rate-limit tests, Redis is not reachable at ${REDIS_URL} (set REQUIRE_SERVICES=1 to fail instead)`,
  );
}

describe('Rate limits shared through Redis', () => {
  test.runIf(!redisUp && required)('Redis must be reachable when REQUIRE_SERVICES=1', () => {
    expect.fail(`Redis is not reachable at ${REDIS_URL}`);
  });

  describe.runIf(redisUp)('two gateway instances with the same REDIS_URL', () => {
    const prefix = `gw-test-${randomUUID()}`;
    let stubs: Awaited<ReturnType<typeof startStubs>>;
    let first: RunningGateway;
    let second: RunningGateway;

    beforeAll(async () => {
      stubs = await startStubs();
      const env = { REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_ANONYMOUS_POINTS: '4' };
      first = await startGateway(stubs, env);
      second = await startGateway(stubs, env);
    });
    afterAll(async () => {
      await first.stop();
      await second.stop();
      await stubs.closeAll();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    test('When requests alternate between the instances, then they spend one budget and both refuse once it is spent', async () => {
      const results: [number, string | null][] = [];
      for (let i = 0; i < 6; i++) {
        const res = await request((i % 2 === 0 ? first : second).url, 'GET', '/api/products');
        results.push([res.status, res.headers.get('ratelimit-remaining')]);
      }
      expect(results).toEqual([
        [200, '3'],
        [200, '2'],
        [200, '1'],
        [200, '0'],
        [429, '0'],
        [429, '0'],
      ]);
      const ready = await request<{ checks: Record<string, { detail?: string }> }>(
        first.url,
        'GET',
        '/health/ready',
      );
      expect(ready.body.checks.rateLimitStore?.detail).toBe('redis (shared)');
    });
  });
});

describe('Rate limits when Redis is unreachable', () => {
  test('When REDIS_URL points nowhere, then limits still apply from memory and the fallback is logged', async () => {
    const stubs = await startStubs();
    const gateway = await startGateway(stubs, {
      REDIS_URL: 'redis://127.0.0.1:1',
      RATE_LIMIT_ANONYMOUS_POINTS: '2',
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(gateway.url, 'GET', '/api/products')).status);
      expect(statuses).toEqual([200, 200, 429]);
      const warnings = gateway
        .lines()
        .filter((line) => line['log.level'] === 'warn')
        .map((line) => String(line.message));
      expect(warnings.some((message) => message.includes('insurance limiter'))).toBe(true);
      const ready = await request<{ checks: Record<string, { detail?: string }> }>(
        gateway.url,
        'GET',
        '/health/ready',
      );
      expect(ready.body.checks.rateLimitStore?.detail).toContain('redis unavailable');
    } finally {
      await gateway.stop();
      await stubs.closeAll();
    }
  });
});
