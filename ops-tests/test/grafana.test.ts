import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { dashboardPanels, grafanaExprToPromql, labelValuesSelector } from '../src/grafana-dashboard.js';
import { METRIC_CATALOG, familyOfSeries, isKnownSeries } from '../src/metric-catalog.js';
import { metricNamesIn } from '../src/promql-metric-names.js';
import { checkPromqlParses, requirePromtool } from '../src/promtool.js';
import { readRepoJson, readRepoYaml, repoFileExists, repoPath } from '../src/repo-files.js';
import { INFRA_PORTS } from '../src/service-catalog.js';
import {
  arrayAt,
  asNumber,
  asRecord,
  asString,
  at,
  recordAt,
  stringAt,
  type JsonRecord,
} from '../src/shape.js';

const dashboardFile = 'grafana/dashboards/overview.json';

function dashboard(): JsonRecord {
  return asRecord(readRepoJson(dashboardFile), dashboardFile);
}

function dataPanels(): JsonRecord[] {
  return dashboardPanels(dashboard()).filter((panel) => panel.type !== 'row');
}

function variableNames(): string[] {
  return arrayAt(dashboard(), 'templating.list').map((variable) => stringAt(variable, 'name'));
}

/** Every PromQL expression of the dashboard as plain PromQL, labelled by where it comes from. */
function dashboardExpressions(): { where: string; promql: string }[] {
  const variables = variableNames();
  const fromPanels = dataPanels().flatMap((panel) =>
    arrayAt(panel, 'targets').map((target) => ({
      where: `panel "${String(panel.title)}" ${String(at(target, 'refId'))}`,
      promql: grafanaExprToPromql(stringAt(target, 'expr'), variables),
    })),
  );
  const fromVariables = arrayAt(dashboard(), 'templating.list').map((variable) => {
    const query = stringAt(variable, 'query.query');
    const selector = labelValuesSelector(query);
    if (selector === undefined) throw new Error(`variable query is not label_values(...): ${query}`);
    return { where: `variable ${stringAt(variable, 'name')}`, promql: selector };
  });
  return [...fromPanels, ...fromVariables];
}

function composeGrafanaMounts(): Map<string, string> {
  const volumes = arrayAt(readRepoYaml('docker-compose.yml'), 'services.grafana.volumes');
  return new Map(
    volumes.map((volume) => {
      const [source = '', target = ''] = asString(volume, 'grafana volume').split(':');
      return [source, target];
    }),
  );
}

describe('grafana/dashboards/overview.json', () => {
  test('When the dashboard is read, then it is valid JSON with a stable uid and the service variable', () => {
    const board = dashboard();

    expect(board.uid).toBe('ecommerce-overview');
    expect(board.title).toBe('E-commerce overview');
    expect(variableNames()).toEqual(['service']);
    expect(dataPanels().length).toBeGreaterThanOrEqual(15);
  });

  test('When the panels are read, then every one (and every variable) has the provisioned Prometheus datasource and targets', () => {
    const datasourceUid = stringAt(
      arrayAt(readRepoYaml('grafana/provisioning/datasources/prometheus.yml'), 'datasources')[0],
      'uid',
    );

    for (const panel of dataPanels()) {
      const title = asString(panel.title, 'panel.title');
      expect(at(panel, 'datasource.type'), title).toBe('prometheus');
      expect(at(panel, 'datasource.uid'), title).toBe(datasourceUid);
      const targets = arrayAt(panel, 'targets');
      expect(targets.length, title).toBeGreaterThan(0);
      const refIds = targets.map((target) => stringAt(target, 'refId'));
      expect(new Set(refIds).size, `${title} refIds unique`).toBe(refIds.length);
      for (const target of targets) {
        expect(stringAt(target, 'expr').trim(), title).not.toBe('');
        expect(at(target, 'datasource.uid'), title).toBe(datasourceUid);
      }
    }
    for (const variable of arrayAt(dashboard(), 'templating.list')) {
      expect(at(variable, 'datasource.uid'), stringAt(variable, 'name')).toBe(datasourceUid);
    }
  });

  test('When the panels are laid out, then ids are unique and no two panels overlap', () => {
    const panels = dashboardPanels(dashboard());
    const ids = panels.map((panel) => asNumber(panel.id, 'panel.id'));
    expect(new Set(ids).size).toBe(ids.length);

    const boxes = panels.map((panel) => {
      const grid = recordAt(panel, 'gridPos');
      return {
        title: String(panel.title),
        x: asNumber(grid.x, 'x'),
        y: asNumber(grid.y, 'y'),
        w: asNumber(grid.w, 'w'),
        h: asNumber(grid.h, 'h'),
      };
    });
    for (const box of boxes) expect(box.x + box.w, box.title).toBeLessThanOrEqual(24);
    const overlaps = boxes.flatMap((a, index) =>
      boxes
        .slice(index + 1)
        .filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        .map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlaps).toEqual([]);
  });

  test('When every PromQL expression is given to promtool, then all of them parse', (context) => {
    requirePromtool(context);
    const expressions = dashboardExpressions();

    const result = checkPromqlParses(expressions.map((entry) => entry.promql));

    expect(result.status, `${result.output}\n${JSON.stringify(expressions, null, 2)}`).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
  });

  test('When the expressions are scanned, then they use only catalog metrics and cover every design metric', () => {
    const used = dashboardExpressions().flatMap((entry) =>
      metricNamesIn(entry.promql).map((name) => ({ where: entry.where, name })),
    );

    expect(used.filter((entry) => !isKnownSeries(entry.name))).toEqual([]);
    const families = new Set(used.map((entry) => familyOfSeries(entry.name)?.name));
    const designFamilies = METRIC_CATALOG.filter((family) => family.origin === 'design').map(
      (family) => family.name,
    );
    expect(designFamilies.filter((name) => !families.has(name))).toEqual([]);
  });

  test('When Grafana variables are substituted, then an unknown variable is reported instead of passing', () => {
    expect(grafanaExprToPromql('rate(x{service=~"$service"}[$__rate_interval])', ['service'])).toBe(
      'rate(x{service=~".*"}[5m])',
    );
    expect(() => grafanaExprToPromql('rate(x{env="$env"}[5m])', ['service'])).toThrow(
      'unknown Grafana variable $env',
    );
  });
});

describe('grafana/provisioning', () => {
  test('When the datasource file is read, then it provisions Prometheus at the compose service address', () => {
    const datasources = arrayAt(
      readRepoYaml('grafana/provisioning/datasources/prometheus.yml'),
      'datasources',
    );

    expect(datasources).toHaveLength(1);
    const prometheus = asRecord(datasources[0], 'datasources[0]');
    expect(prometheus.type).toBe('prometheus');
    expect(prometheus.url).toBe(`http://prometheus:${INFRA_PORTS.prometheus}`);
    expect(prometheus.isDefault).toBe(true);
    expect(asRecord(readRepoYaml('docker-compose.yml'), 'compose').services).toHaveProperty('prometheus');
  });

  test('When the dashboard provider is read, then its path is where compose mounts grafana/dashboards', () => {
    const providers = arrayAt(readRepoYaml('grafana/provisioning/dashboards/ecommerce.yml'), 'providers');
    const mounts = composeGrafanaMounts();

    expect(providers).toHaveLength(1);
    expect(at(providers[0], 'type')).toBe('file');
    expect(at(providers[0], 'options.path')).toBe(mounts.get('./grafana/dashboards'));
    expect(mounts.get('./grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(readdirSync(repoPath('grafana/dashboards')).filter((name) => name.endsWith('.json'))).toEqual([
      'overview.json',
    ]);
    expect(repoFileExists('grafana/provisioning/datasources/prometheus.yml')).toBe(true);
  });
});
