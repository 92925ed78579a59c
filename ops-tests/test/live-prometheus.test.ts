import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALERTS_FILE, alertExpressions } from '../src/live-metric-usage.js';
import {
  EXPECTED_TRAFFIC,
  driveSampleTraffic,
  livePlatformSkipReason,
  startLivePlatform,
  type Platform,
  type SampleTraffic,
} from '../src/live-platform.js';
import {
  SERVICES_JOB,
  freePort,
  liveScrapeConfig,
  pollUntil,
  prometheusAvailable,
  prometheusSkipReason,
  startPrometheus,
  type PrometheusServer,
} from '../src/live-prometheus.js';
import { readRepoYaml, repoPath } from '../src/repo-files.js';
import { SERVICES } from '../src/service-catalog.js';

// Metric names of docs/architecture.md#observability that must have samples after the sample traffic. events_dead_lettered_total only
// gets a series with the first dead letter; live-metrics.test.ts checks that it is declared.
const DESIGN_SERIES = [
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'circuit_breaker_state',
  'circuit_breaker_events_total',
  'rate_limit_rejections_total',
  'events_published_total',
  'events_consumed_total',
  'outbox_pending',
  'orders_total',
  'payments_total',
];

const STOPPED_SERVICE = 'notification-service';
const skipReason = livePlatformSkipReason ?? prometheusSkipReason;
if (skipReason !== undefined) console.warn(`[live-prometheus] skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('Prometheus scraping the running platform (smoke test)', () => {
  let platform: Platform | undefined;
  let prometheus: PrometheusServer | undefined;
  let traffic: SampleTraffic;
  /** Each service's METRICS_PORT address, where Prometheus scrapes it. */
  const metricsUrls: Record<string, string> = {};

  function server(): PrometheusServer {
    if (prometheus === undefined) throw new Error('prometheus did not start (see beforeAll)');
    return prometheus;
  }

  beforeAll(async () => {
    if (!prometheusAvailable) {
      throw new Error(
        'the prometheus binary is required (REQUIRE_SERVICES=1 or CI=true) but was not found; ' +
          'install it with: apt-get install -y --no-install-recommends prometheus',
      );
    }
    // As compose and Kubernetes run them: every process serves /metrics on its own METRICS_PORT, without a
    // token, and prometheus.yml scrapes that port (the gateway's HTTP port would want a token).
    const serviceEnv: Record<string, Record<string, string>> = {};
    for (const spec of SERVICES) {
      const port = await freePort();
      serviceEnv[spec.name] = { METRICS_PORT: String(port) };
      metricsUrls[spec.name] = `http://127.0.0.1:${port}`;
    }
    platform = await startLivePlatform({ serviceEnv });
    traffic = await driveSampleTraffic(platform);
    prometheus = await startPrometheus({
      config: liveScrapeConfig(readRepoYaml('prometheus.yml'), metricsUrls, {
        interval: '1s',
        ruleFiles: [repoPath(ALERTS_FILE)],
      }),
      lifetimeMs: 120_000,
    });
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await platform?.shutdown();
  });

  test('When the sample traffic ran through the gateway, then it got the answers the metrics depend on', () => {
    const { bruteForceLogins, ...statuses } = traffic;

    expect(statuses).toEqual(EXPECTED_TRAFFIC);
    expect(bruteForceLogins.at(-1)).toBe(429);
    expect(bruteForceLogins.slice(0, -1).every((status) => status === 401)).toBe(true);
  });

  test('When Prometheus scrapes the generated config, then every service target is up', async () => {
    const targets = await pollUntil(
      () => server().api.targets(),
      (found) => found.length === SERVICES.length && found.every((target) => target.health === 'up'),
      // Prometheus applies target updates every 5 s, so the first scrape comes 5-6 s after start.
      30_000,
    );

    expect(
      targets
        .map(({ job, service, health, lastError }) => ({ job, service, health, lastError }))
        .sort((a, b) => String(a.service).localeCompare(String(b.service))),
      server().output(),
    ).toEqual(
      SERVICES.map((service) => ({
        job: SERVICES_JOB,
        service: service.name,
        health: 'up',
        lastError: '',
      })).sort((a, b) => a.service.localeCompare(b.service)),
    );
    for (const target of targets) {
      expect(target.scrapeUrl).toBe(`${metricsUrls[target.service ?? '']}/metrics`);
    }
  });

  test('When the metric names are listed, then every design metric has series', async () => {
    const names = await pollUntil(
      () => server().api.metricNames(),
      (found) => DESIGN_SERIES.every((name) => found.includes(name)),
      10_000,
    );

    expect(DESIGN_SERIES.filter((name) => !names.includes(name))).toEqual([]);
  });

  test('When the brute-force login was rejected, then Prometheus holds that rejection under its limiter', async () => {
    const rejections = await server().api.query(
      'sum by (service, limiter) (rate_limit_rejections_total) > 0',
    );

    expect(rejections.map((sample) => sample.metric)).toContainEqual({
      service: 'api-gateway',
      limiter: 'login_email',
    });
  });

  test('When the alert rules file is loaded, then Prometheus evaluates every rule without an error', async () => {
    const expected = alertExpressions().map((rule) => rule.alert);

    const rules = await pollUntil(
      () => server().api.rules(),
      (found) => found.length === expected.length && found.every((rule) => rule.health !== 'unknown'),
      10_000,
    );

    expect(rules.map(({ name, health, lastError }) => ({ name, health, lastError })).sort(byName)).toEqual(
      expected.map((name) => ({ name, health: 'ok', lastError: '' })).sort(byName),
    );
    for (const rule of alertExpressions()) {
      await expect(server().api.query(rule.expr), rule.alert).resolves.toBeInstanceOf(Array);
    }
  });

  test('When a service stops, then the ServiceDown expression selects exactly it and the alert goes pending', async () => {
    const rule = alertExpressions().find((entry) => entry.alert === 'ServiceDown');
    if (rule === undefined) throw new Error(`${ALERTS_FILE} has no ServiceDown alert`);
    const api = server().api;
    expect(await api.query(rule.expr)).toEqual([]);

    await platform?.stop(STOPPED_SERVICE);
    const down = await pollUntil(
      () => api.query(rule.expr),
      (found) => found.length > 0,
      10_000,
    );
    const alerts = await pollUntil(
      () => api.alerts(),
      (found) => found.some((alert) => alert.name === 'ServiceDown'),
      10_000,
    );

    expect(down.map((sample) => [sample.metric.service, sample.value])).toEqual([[STOPPED_SERVICE, 0]]);
    expect(
      alerts
        .filter((alert) => alert.name === 'ServiceDown')
        .map((alert) => ({
          service: alert.labels.service,
          severity: alert.labels.severity,
          state: alert.state,
        })),
    ).toEqual([{ service: STOPPED_SERVICE, severity: 'critical', state: 'pending' }]);
  });
});

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
