import { describe, expect, test } from 'vitest';
import { startRevocationFeed, type RevocationSource } from '../../src/auth/revocation-feed.js';
import { RevocationList } from '../../src/auth/revocations.js';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import { captureLogger } from '../../src/testing/index.js';

async function gaugeValue(registry: Registry, name: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  return metric === undefined ? undefined : (await metric.get()).values[0]?.value;
}

describe('The revocation feed', () => {
  test('When a poll reads two revocations, then the list holds them and the gauges say how many and when', async () => {
    const registry = createMetricsRegistry('test-service', { collectDefault: false });
    const list = new RevocationList();
    const now = Date.now();
    const source: RevocationSource = (cursor) =>
      Promise.resolve(
        cursor === 0
          ? {
              entries: [
                { customerId: 'ann', revokedAtMs: now, expiresAtMs: now + 60_000 },
                { customerId: 'bob', revokedAtMs: now, expiresAtMs: now + 60_000 },
              ],
              next: 2,
            }
          : { entries: [], next: cursor },
      );
    const before = Date.now() / 1000;

    const feed = startRevocationFeed({
      source,
      list,
      logger: captureLogger('test-service').logger,
      registry,
    });
    await feed.ready;
    feed.stop();

    expect(list.size).toBe(2);
    expect(await gaugeValue(registry, 'revocations_in_memory')).toBe(2);
    expect(
      await gaugeValue(registry, 'revocation_feed_last_success_timestamp_seconds'),
    ).toBeGreaterThanOrEqual(before);
  });

  test('When the feed cannot be read, then the last-success gauge does not move and a warning is logged', async () => {
    const registry = createMetricsRegistry('test-service', { collectDefault: false });
    const { logger, lines } = captureLogger('test-service');
    const source: RevocationSource = () => Promise.reject(new Error('feed down'));

    const feed = startRevocationFeed({ source, list: new RevocationList(), logger, registry });
    await feed.ready;
    feed.stop();

    expect(await gaugeValue(registry, 'revocation_feed_last_success_timestamp_seconds')).toBe(0);
    expect(lines().some((line) => String(line.message).includes('revocation feed unreadable'))).toBe(true);
  });
});
