import { describe, expect, test } from 'vitest';
import { counter, createMetricsRegistry } from '../../src/runtime/index.js';

describe('counter startAtZero', () => {
  test('When label values are listed, then every combination is scraped at 0 before the first event', async () => {
    const registry = createMetricsRegistry('test', { collectDefault: false });
    const parts = counter(registry, {
      name: 'parts_total',
      help: 'Parts by outcome',
      labelNames: ['part', 'outcome'] as const,
      startAtZero: { part: ['a', 'b'], outcome: ['ok', 'degraded'] },
    });
    parts.inc({ part: 'a', outcome: 'ok' });

    const values = (await parts.get()).values.map(({ labels, value }) => ({ labels, value }));
    expect(values).toHaveLength(4);
    expect(values).toEqual(
      expect.arrayContaining([
        { labels: { part: 'a', outcome: 'ok' }, value: 1 },
        { labels: { part: 'a', outcome: 'degraded' }, value: 0 },
        { labels: { part: 'b', outcome: 'ok' }, value: 0 },
        { labels: { part: 'b', outcome: 'degraded' }, value: 0 },
      ]),
    );
  });

  test('When the counter has no labels, then {} starts its one series at 0', async () => {
    const registry = createMetricsRegistry('test', { collectDefault: false });
    counter(registry, { name: 'changes_total', help: 'Changes', startAtZero: {} });
    expect(await registry.metrics()).toContain('changes_total{service="test"} 0');
  });

  test('When a module asks again for a registered counter, then it gets the same one, counts kept', async () => {
    const registry = createMetricsRegistry('test', { collectDefault: false });
    const config = {
      name: 'kinds_total',
      help: 'Kinds',
      labelNames: ['kind'] as const,
      startAtZero: { kind: ['x'] },
    };
    counter(registry, config).inc({ kind: 'x' }, 2);
    const again = counter(registry, config);
    expect((await again.get()).values).toEqual([{ labels: { kind: 'x' }, value: 2 }]);
  });
});
