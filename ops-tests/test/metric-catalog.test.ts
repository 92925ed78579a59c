import { createMetricsRegistry } from '@shop/platform/runtime';
import { describe, expect, test } from 'vitest';
import { METRIC_CATALOG, familyOfSeries, isKnownSeries, seriesNamesOf } from '../src/metric-catalog.js';

describe('metric catalog', () => {
  test("When the platform registry collects default metrics, then they are exactly the catalog's defaults", async () => {
    const registry = createMetricsRegistry('catalog-test-service');

    const exported = (await registry.getMetricsAsJSON()).map((metric) => ({
      name: metric.name,
      type: metric.type,
    }));

    const catalogDefaults = METRIC_CATALOG.filter((family) => family.origin === 'default').map((family) => ({
      name: family.name,
      type: family.type,
    }));
    const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
    expect([...exported].sort(byName)).toEqual([...catalogDefaults].sort(byName));
  });

  test('When the platform registry is scraped, then every series carries the service label', async () => {
    const registry = createMetricsRegistry('catalog-test-service');

    const samples = (await registry.metrics())
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));

    expect(samples.length).toBeGreaterThan(20);
    for (const sample of samples) expect(sample).toContain('service="catalog-test-service"');
  });

  test('When series names are looked up, then histogram suffixes resolve to their family and unknown names do not', () => {
    expect(familyOfSeries('http_request_duration_seconds_bucket')?.name).toBe(
      'http_request_duration_seconds',
    );
    expect(familyOfSeries('http_requests_total')?.type).toBe('counter');
    expect(familyOfSeries('http_requests_total_bucket')).toBeUndefined();
    expect(isKnownSeries('up')).toBe(true);
    expect(isKnownSeries('http_request_total')).toBe(false);
    expect(METRIC_CATALOG.filter((family) => family.origin === 'design').flatMap(seriesNamesOf)).toHaveLength(
      14,
    );
  });
});
