import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ecsDocument, elasticsearchIndexName, runWithContext } from '@shop/platform/runtime';
import { captureLogger } from '@shop/platform/tools/testing';
import { schemaErrors, unknownFieldErrors } from '../src/k8s-schema.js';
import { kubectlKustomize, kustomizeBuild, type K8sObject } from '../src/kustomize.js';
import { requirePromtool, runPromtool } from '../src/promtool.js';
import { readRepoJson, readRepoText, readRepoYaml, repoPath, repoRoot } from '../src/repo-files.js';
import { SERVICES, tokenFreeMetricsPort } from '../src/service-catalog.js';
import { arrayAt, asRecord, at, isRecord, recordAt, type JsonRecord } from '../src/shape.js';

const production = kustomizeBuild('k8s/examples/production');
const logging = kustomizeBuild('k8s/logging');

function find(objects: readonly K8sObject[], kind: string, name: string): JsonRecord {
  const found = objects.find((object) => object.kind === kind && object.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found.doc;
}

/** The pods the base renders: labels and annotations of each workload's template, and its container ports. */
const pods = production
  .filter((object) => object.kind === 'Deployment' || object.kind === 'StatefulSet')
  .map((object) => ({
    name: object.name,
    labels: recordAt(object.doc, 'spec.template.metadata.labels') as Record<string, string>,
    annotations: (at(object.doc, 'spec.template.metadata.annotations') ?? {}) as Record<string, string>,
    ports: arrayAt(object.doc, 'spec.template.spec.containers').flatMap((container) =>
      arrayAt(container, 'ports').map((port) => ({
        name: String(at(port, 'name')),
        port: Number(at(port, 'containerPort')),
      })),
    ),
    /** The main container's environment: its envFrom ConfigMaps, then its literal env values. */
    env: envOfMainContainer(asRecord(arrayAt(object.doc, 'spec.template.spec.containers')[0], 'container')),
  }));

function envOfMainContainer(container: JsonRecord): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of Array.isArray(container.envFrom) ? container.envFrom : []) {
    const name = at(source, 'configMapRef.name');
    const configMap = production.find((object) => object.kind === 'ConfigMap' && object.name === name);
    if (configMap) Object.assign(env, recordAt(configMap.doc, 'data'));
  }
  for (const entry of Array.isArray(container.env) ? container.env : [])
    if (typeof at(entry, 'value') === 'string') env[String(at(entry, 'name'))] = String(at(entry, 'value'));
  return env;
}

/** The port where a rendered service pod answers GET /metrics without a token (from its env and code). */
function metricsPortOf(name: string): number | undefined {
  const pod = pods.find((entry) => entry.name === name);
  return pod === undefined ? undefined : tokenFreeMetricsPort(name, pod.env, readRepoText);
}

/** Prometheus relabeling (keep and replace), enough to run the scrape config on discovered pods. */
function relabel(rules: unknown[], input: Record<string, string>): Record<string, string> | undefined {
  const labels = { ...input };
  for (const rule of rules) {
    const source = (isRecord(rule) && Array.isArray(rule.source_labels) ? rule.source_labels : []).map(
      (name) => labels[String(name)] ?? '',
    );
    const value = source.join(
      typeof at(rule, 'separator') === 'string' ? String(at(rule, 'separator')) : ';',
    );
    const regex = new RegExp(
      `^(?:${typeof at(rule, 'regex') === 'string' ? String(at(rule, 'regex')) : '(.*)'})$`,
    );
    const action = typeof at(rule, 'action') === 'string' ? String(at(rule, 'action')) : 'replace';
    const match = regex.exec(value);
    if (action === 'keep') {
      if (!match) return undefined;
    } else if (action === 'replace') {
      if (!match) continue;
      const replacement =
        typeof at(rule, 'replacement') === 'string' ? String(at(rule, 'replacement')) : '$1';
      labels[String(at(rule, 'target_label'))] = replacement.replace(
        /\$(\d+)/g,
        (_all, group: string) => match[Number(group)] ?? '',
      );
    } else {
      throw new Error(`relabel action ${action} is not simulated`);
    }
  }
  return labels;
}

describe('k8s/observability (component) and k8s/examples/production', () => {
  test('When the production overlay and k8s/logging are rendered, then every object passes the strict schema checks', async () => {
    const all = [...production, ...logging];

    expect(await schemaErrors(all)).toEqual([]);
    expect(unknownFieldErrors(all)).toEqual([]);
    const viaKubectl = kubectlKustomize('k8s/examples/production');
    if (viaKubectl)
      expect(viaKubectl.map((object) => object.doc)).toEqual(production.map((object) => object.doc));
  });

  test('When the generated copies are checked, then the PrometheusRule, dashboard and setup files match their sources', () => {
    const result = spawnSync(
      process.execPath,
      [repoPath('scripts/generate-k8s-observability.mjs'), '--check'],
      { encoding: 'utf8' },
    );

    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    const rule = find(production, 'PrometheusRule', 'ecommerce-alerts');
    expect(at(rule, 'spec.groups')).toEqual(at(readRepoYaml('prometheus-alerts.yml'), 'groups'));
    const dashboard = find(production, 'ConfigMap', 'ecommerce-grafana-dashboard');
    expect(at(dashboard, 'metadata.labels.grafana_dashboard')).toBe('1');
    expect(JSON.parse(String(recordAt(dashboard, 'data')['ecommerce-overview.json'])) as unknown).toEqual(
      readRepoJson('grafana/dashboards/overview.json'),
    );
  });

  test('When the PodMonitors are read, then every service pod and RabbitMQ is scraped with a service label', () => {
    const services = find(production, 'PodMonitor', 'ecommerce-services');
    const selector = recordAt(services, 'spec.selector.matchLabels');
    const selected = pods.filter((pod) =>
      Object.entries(selector).every(([key, value]) => pod.labels[key] === value),
    );

    expect(selected.map((pod) => pod.name).sort()).toEqual(SERVICES.map((spec) => spec.name).sort());
    const endpoint = arrayAt(services, 'spec.podMetricsEndpoints')[0];
    for (const pod of selected) {
      // the named port is one where the process serves /metrics without a token (not the gateway's public port)
      const scraped = pod.ports.find((port) => port.name === at(endpoint, 'port'));
      expect(scraped?.port, pod.name).toBeDefined();
      expect(scraped?.port, pod.name).toBe(metricsPortOf(pod.name));
    }
    expect(at(arrayAt(endpoint, 'relabelings')[0], 'targetLabel')).toBe('service');
    expect(at(arrayAt(endpoint, 'relabelings')[0], 'sourceLabels')).toEqual([
      '__meta_kubernetes_pod_label_app_kubernetes_io_name',
    ]);

    const rabbit = find(production, 'PodMonitor', 'rabbitmq');
    const paths = arrayAt(rabbit, 'spec.podMetricsEndpoints').map((entry) => [
      at(entry, 'path'),
      at(entry, 'params.family'),
    ]);
    expect(paths).toEqual([
      ['/metrics', undefined],
      ['/metrics/detailed', ['queue_coarse_metrics']],
    ]);
    expect(pods.find((pod) => pod.name === 'rabbitmq')?.ports.map((port) => port.name)).toContain(
      'prometheus',
    );
  });

  test('When the plain Prometheus config discovers the rendered pods, then each target gets its port, path and service label', () => {
    const config = readRepoYaml('k8s/observability/prometheus/prometheus.yml');
    const job = asRecord(arrayAt(config, 'scrape_configs')[0], 'kubernetes-pods');
    const rules = arrayAt(job, 'relabel_configs');
    const targets = pods.map((pod) => {
      const meta: Record<string, string> = {
        __address__: `10.0.0.1:${pod.ports[0]?.port ?? 0}`,
        __metrics_path__: '/metrics',
      };
      for (const [key, value] of Object.entries(pod.labels))
        meta[`__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`] = value;
      for (const [key, value] of Object.entries(pod.annotations))
        meta[`__meta_kubernetes_pod_annotation_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`] = value;
      return relabel(rules, meta);
    });

    const kept = targets.filter((target) => target !== undefined);
    expect(kept.map((target) => target.service).sort()).toEqual(
      [...SERVICES.map((spec) => spec.name), 'rabbitmq'].sort(),
    );
    for (const spec of SERVICES) {
      expect(kept.find((target) => target.service === spec.name)).toMatchObject({
        __address__: `10.0.0.1:${metricsPortOf(spec.name) ?? 'none: /metrics needs a token'}`,
        __metrics_path__: '/metrics',
      });
    }
    expect(kept.find((target) => target.service === 'rabbitmq')?.__address__).toBe('10.0.0.1:15692');
  });

  test('When promtool checks the alert rules copy, then it is valid (Debian promtool lacks Kubernetes discovery for the config itself)', (context) => {
    requirePromtool(context);

    const result = runPromtool(
      ['check', 'rules', 'k8s/observability/prometheus/prometheus-alerts.yml'],
      repoRoot,
    );

    expect(result.status, result.output).toBe(0);
  });
});

describe('k8s/logging: Fluent Bit to the same indices as the services and Logstash', () => {
  const config = readRepoText('k8s/logging/fluent-bit/fluent-bit.conf');
  const setting = (name: string): string | undefined =>
    new RegExp(`^\\s*${name.replace('.', '\\.')}\\s+(.+)$`, 'm').exec(config)?.[1]?.trim();

  test('When the DaemonSet is read, then it tails only namespace ecommerce and mounts its config', () => {
    const daemonSet = find(logging, 'DaemonSet', 'fluent-bit');
    const configMap = logging.find(
      (object) => object.kind === 'ConfigMap' && object.name.startsWith('fluent-bit-config'),
    );

    expect(setting('Path')).toBe('/var/log/containers/*_ecommerce_*.log');
    expect(at(arrayAt(daemonSet, 'spec.template.spec.volumes')[0], 'configMap.name')).toBe(configMap?.name);
    expect(Object.keys(recordAt(configMap?.doc, 'data')).sort()).toEqual([
      'fluent-bit.conf',
      'parsers.conf',
      'service-name.lua',
    ]);
    expect(at(find(logging, 'ClusterRoleBinding', 'ecommerce-fluent-bit'), 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: 'fluent-bit', namespace: 'ecommerce-logging' },
    ]);
  });

  test("When Fluent Bit and the services' transport name today's index, then both match the template, the data view and Logstash", () => {
    const day = new Date(Date.UTC(2026, 11, 4));
    const strftime = (setting('Logstash_DateFormat') ?? '')
      .replace('%Y', '2026')
      .replace('%m', '12')
      .replace('%d', '04');

    expect(`${setting('Logstash_Prefix')}-${strftime}`).toBe(elasticsearchIndexName('ecommerce-logs', day));
    expect(setting('Logstash_Format')).toBe('On');
  });

  test('When one request is logged and shipped by either path, then the saved search finds it by correlationId with its columns', () => {
    const { logger, lines } = captureLogger('order-service');
    runWithContext({ correlationId: 'req-either-path' }, () =>
      logger.info('POST /orders 201', {
        http: { request: { method: 'POST' }, response: { status_code: 201 } },
        url: { path: '/orders' },
        event: { duration: 42_000 },
      }),
    );
    const line = lines()[0] ?? {};
    // path 1: the services' own transport sends the serialised line as it is
    const transportDocument = ecsDocument({
      message: String(line.message),
      level: 'info',
      meta: { [Symbol.for('message')]: JSON.stringify(line) },
    });
    // path 2: Fluent Bit merges the JSON line at the record's root (Merge_Log On, Keep_Log Off), moves
    // @timestamp into the record time and writes it back (Time_Key @timestamp), and adds kubernetes.*
    expect(setting('Merge_Log')).toBe('On');
    expect(setting('Keep_Log')).toBe('Off');
    expect(setting('Time_Key')).toBe('@timestamp');
    const { '@timestamp': timestamp, ...rest } = line;
    const fluentBitDocument = {
      ...rest,
      '@timestamp': timestamp,
      stream: 'stdout',
      kubernetes: {
        pod_name: 'order-service-0',
        namespace_name: 'ecommerce',
        container_name: 'order-service',
      },
    };

    const search = readRepoText('kibana/ecommerce-logs.ndjson')
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as JsonRecord)
      .find((object) => at(object, 'attributes.title') === 'One request by correlation ID');
    const columns = arrayAt(search, 'attributes.columns').map(String);
    const field = (document: JsonRecord, path: string): unknown => document[path] ?? at(document, path);
    for (const [label, document] of [
      ['transport', transportDocument],
      ['fluent-bit', fluentBitDocument],
    ] as const) {
      expect(field(document, 'correlationId'), label).toBe('req-either-path');
      expect(field(document, '@timestamp'), label).toBe(timestamp);
      expect(columns.length).toBeGreaterThanOrEqual(6);
      for (const column of columns) expect(field(document, column), `${label} ${column}`).toBeDefined();
    }
  });

  test('When the setup Job is read, then it runs the same setup script as compose with the retention from es.env', () => {
    const job = find(logging, 'Job', 'elasticsearch-setup');
    const setup = logging.find(
      (object) => object.kind === 'ConfigMap' && object.name.startsWith('elasticsearch-setup'),
    );
    const target = logging.find(
      (object) => object.kind === 'ConfigMap' && object.name.startsWith('elasticsearch-target'),
    );

    expect(at(arrayAt(job, 'spec.template.spec.containers')[0], 'command')).toEqual([
      '/bin/sh',
      '/setup/setup.sh',
    ]);
    expect(recordAt(setup?.doc, 'data')['setup.sh']).toBe(readRepoText('elasticsearch/setup.sh'));
    expect(at(target?.doc, 'data.LOG_RETENTION_DAYS')).toBe('14');
    expect(new URL(String(at(target?.doc, 'data.ELASTICSEARCH_URL'))).host).toBe(
      `${String(at(target?.doc, 'data.ELASTICSEARCH_HOST'))}:${String(at(target?.doc, 'data.ELASTICSEARCH_PORT'))}`,
    );
  });
});
