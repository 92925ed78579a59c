import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  exportedByLivePlatform,
  isKnownSeries,
  METRIC_CATALOG,
  SCRAPE_GENERATED_METRICS,
} from '../src/metric-catalog.js';
import { exposedSeriesNames, parseExposition, type Exposition } from '../src/live-exposition.js';
import { metricUses } from '../src/live-metric-usage.js';
import {
  EXPECTED_TRAFFIC,
  driveSampleTraffic,
  livePlatformSkipReason,
  scrapeAll,
  startLivePlatform,
  type Platform,
  type SampleTraffic,
  type Scrape,
} from '../src/live-platform.js';
import { SERVICES } from '../src/service-catalog.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

if (livePlatformSkipReason !== undefined) console.warn(`[live-metrics] skipped: ${livePlatformSkipReason}`);

describe.skipIf(livePlatformSkipReason !== undefined)('GET /metrics of every running service', () => {
  let platform: Platform | undefined;
  let traffic: SampleTraffic;
  let scrapes: Map<string, Scrape>;
  const expositions = new Map<string, Exposition>();

  beforeAll(async () => {
    platform = await startLivePlatform();
    traffic = await driveSampleTraffic(platform);
    scrapes = await scrapeAll(platform);
    for (const [service, scrape] of scrapes) {
      if (scrape.status === 200) expositions.set(service, parseExposition(scrape.body));
    }
  }, 90_000);

  afterAll(async () => {
    await platform?.shutdown();
  });

  /** Every series name each service exposes, and who exposes it. */
  function exportersBySeries(): Map<string, string[]> {
    const exporters = new Map<string, string[]>();
    for (const [service, exposition] of expositions) {
      for (const name of exposedSeriesNames(exposition))
        exporters.set(name, [...(exporters.get(name) ?? []), service]);
    }
    return exporters;
  }

  test('When the sample traffic ran through the gateway, then it got the answers the metrics depend on', () => {
    const { bruteForceLogins, ...statuses } = traffic;

    expect(statuses).toEqual(EXPECTED_TRAFFIC);
    expect(bruteForceLogins.at(-1)).toBe(429);
  });

  test('When every service is scraped, then it answers in the text format and labels every sample with its name', () => {
    expect([...scrapes.keys()].sort()).toEqual(SERVICES.map((service) => service.name).sort());
    for (const [service, scrape] of scrapes) {
      expect(scrape.status, service).toBe(200);
      expect(scrape.contentType, service).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = expositions.get(service)?.samples ?? [];
      expect(samples.length, service).toBeGreaterThan(20);
      expect(
        samples.filter((sample) => sample.labels.service !== service).map((sample) => sample.name),
        `${service}: samples without service="${service}"`,
      ).toEqual([]);
    }
  });

  test('When the dashboard and the alert rules are scanned, then every metric they read is exported by a service', () => {
    const exporters = exportersBySeries();
    const uses = metricUses();

    // RabbitMQ's own series and the RabbitMQ-transport gauge are not on the services' /metrics here
    const notExported = uses.filter(
      (use) =>
        !exporters.has(use.name) &&
        !SCRAPE_GENERATED_METRICS.includes(use.name) &&
        (exportedByLivePlatform(use.name) || !isKnownSeries(use.name)),
    );

    expect(uses.length).toBeGreaterThan(20);
    expect(
      notExported,
      `read by the dashboard or alerts but exported by no service; exported: ${[...exporters.keys()].sort().join(', ')}`,
    ).toEqual([]);
  });

  test('When the metric catalogue is compared with the scrapes, then each catalogued family is exported with its type', () => {
    const exportedTypes = new Map<string, Record<string, string>>();
    for (const [service, exposition] of expositions) {
      for (const [family, type] of exposition.families) {
        exportedTypes.set(family, { ...exportedTypes.get(family), [service]: type });
      }
    }

    const mismatches = METRIC_CATALOG.filter((family) => family.onlyWith === undefined).flatMap((family) => {
      const exportedAs = exportedTypes.get(family.name) ?? {};
      const wrong = Object.values(exportedAs).some((type) => type !== family.type);
      return Object.keys(exportedAs).length === 0 || wrong
        ? [{ name: family.name, catalogType: family.type, exportedAs }]
        : [];
    });

    expect(
      mismatches,
      'catalogued in ops-tests/src/metric-catalog.ts but exported by no service (exportedAs {}) or with another type',
    ).toEqual([]);
  });

  test('When the scrapes are compared with the metric catalogue, then every family a service exports is catalogued', () => {
    const catalogued = new Set(METRIC_CATALOG.map((family) => family.name));
    const uncatalogued = [...expositions].flatMap(([service, exposition]) =>
      [...exposition.families.keys()]
        // prom-client's default process and runtime metrics are not listed one by one.
        .filter((family) => !catalogued.has(family) && !/^(process|nodejs)_/.test(family))
        .map((family) => `${service}: ${family}`),
    );
    expect(uncatalogued, 'exported but missing from ops-tests/src/metric-catalog.ts').toEqual([]);
  });

  test('When request series are scraped, then every route label is a template, never a raw path with an id', () => {
    const routes = [...expositions].flatMap(([service, exposition]) =>
      exposition.samples.flatMap((sample) =>
        sample.labels.route === undefined
          ? []
          : [{ service, series: sample.name, route: sample.labels.route }],
      ),
    );

    const rawPaths = routes.filter(
      (entry) => UUID.test(entry.route) || entry.route.split('/').some((segment) => /^\d+$/.test(segment)),
    );

    expect(rawPaths, 'route labels holding an id').toEqual([]);
    // The traffic requested paths with numeric ids and UUIDs, so these templates prove the check saw them.
    const gatewayRoutes = new Set(
      routes.filter((entry) => entry.service === 'api-gateway').map((e) => e.route),
    );
    expect([...gatewayRoutes]).toEqual(
      expect.arrayContaining(['/api/products/:id', '/api/orders/:id', 'unmatched']),
    );
  });
});
