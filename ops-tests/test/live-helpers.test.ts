import { describe, expect, test } from 'vitest';
import { exposedSeriesNames, parseExposition } from '../src/live-exposition.js';
import { liveScrapeConfig, pollUntil } from '../src/live-prometheus.js';
import { readRepoYaml } from '../src/repo-files.js';
import { SERVICES } from '../src/service-catalog.js';

describe('parseExposition (Prometheus text format)', () => {
  const text = [
    '# HELP http_request_duration_seconds HTTP request duration',
    '# TYPE http_request_duration_seconds histogram',
    'http_request_duration_seconds_bucket{le="0.1",route="/api/x/:id",service="a"} 3',
    'http_request_duration_seconds_bucket{le="+Inf",route="/api/x/:id",service="a"} 4',
    '# TYPE events_dead_lettered_total counter',
    '# TYPE outbox_pending gauge',
    'outbox_pending{service="a"} 0',
    'odd_total{msg="say \\"hi\\", then\\nleave",service="a"} +Inf 1700000000000',
  ].join('\n');

  test('When a scrape has families, escaped labels and timestamps, then samples and families are read', () => {
    const exposition = parseExposition(text);

    expect([...exposition.families]).toEqual([
      ['http_request_duration_seconds', 'histogram'],
      ['events_dead_lettered_total', 'counter'],
      ['outbox_pending', 'gauge'],
    ]);
    expect(exposition.samples).toHaveLength(4);
    expect(exposition.samples[1]).toEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { le: '+Inf', route: '/api/x/:id', service: 'a' },
      value: 4,
    });
    expect(exposition.samples[3]?.labels.msg).toBe('say "hi", then\nleave');
    expect(exposition.samples[3]?.value).toBe(Infinity);
  });

  test('When series names are listed, then declared families without samples and histogram suffixes count', () => {
    const names = exposedSeriesNames(parseExposition(text));

    expect([...names].sort()).toEqual([
      'events_dead_lettered_total',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_sum',
      'odd_total',
      'outbox_pending',
    ]);
  });

  test('When a line is not a well-formed sample, then parsing fails naming it', () => {
    expect(() => parseExposition('broken{service="a" 1')).toThrow('malformed labels');
    expect(() => parseExposition('no_value{service="a"}')).toThrow('without a numeric value');
  });
});

describe('liveScrapeConfig', () => {
  const urls = Object.fromEntries(
    SERVICES.map((service, index) => [service.name, `http://127.0.0.1:${40_000 + index}`]),
  );

  test('When prometheus.yml is turned to local ports, then the services job keeps its shape with local targets', () => {
    const config = liveScrapeConfig(readRepoYaml('prometheus.yml'), urls, {
      interval: '1s',
      ruleFiles: ['/abs/alerts.yml'],
    });

    expect(config.rule_files).toEqual(['/abs/alerts.yml']);
    expect(config.global).toMatchObject({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
    });
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'ecommerce-services',
        metrics_path: '/metrics',
        scheme: 'http',
        honor_labels: true,
        static_configs: SERVICES.map((service, index) => ({
          targets: [`127.0.0.1:${40_000 + index}`],
          labels: { service: service.name },
        })),
      },
    ]);
  });

  test('When a scraped service has no local URL, then building the config fails naming it', () => {
    const { 'payment-service': _dropped, ...partial } = urls;

    expect(() =>
      liveScrapeConfig(readRepoYaml('prometheus.yml'), partial, { interval: '1s', ruleFiles: [] }),
    ).toThrow('no local URL for payment-service');
  });
});

describe('pollUntil', () => {
  test('When the condition never holds, then the last value is returned after the timeout', async () => {
    let calls = 0;

    const last = await pollUntil(
      () => Promise.resolve((calls += 1)),
      () => false,
      50,
      10,
    );

    expect(last).toBe(calls);
    expect(calls).toBeGreaterThan(1);
  });

  test('When the last read throws, then its error is rethrown', async () => {
    await expect(
      pollUntil(
        () => Promise.reject(new Error('down')),
        () => true,
        20,
        5,
      ),
    ).rejects.toThrow('down');
  });
});
