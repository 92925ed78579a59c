import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { familyOfSeries, isKnownSeries } from '../src/metric-catalog.js';
import { metricNamesIn } from '../src/promql-metric-names.js';
import { requirePromtool, runPromtool } from '../src/promtool.js';
import { readRepoText, readRepoYaml, repoFileExists, repoPath, repoRoot } from '../src/repo-files.js';
import { SERVICES, tokenFreeMetricsPort } from '../src/service-catalog.js';
import { arrayAt, asArray, asRecord, asString, at, type JsonRecord } from '../src/shape.js';

const requiredAlerts = [
  'ServiceDown',
  'HighErrorRatio',
  'HighLatencyP95',
  'CircuitBreakerOpen',
  'RateLimitRejectionsSurging',
  'BrokerDown',
  'BrokerResourceAlarm',
  'OutboxStalled',
  'OutboxBacklog',
  'DeadLettersGrowing',
  'DeadLetterQueueNotEmpty',
];

function alertRules(): JsonRecord[] {
  const groups = arrayAt(readRepoYaml('prometheus-alerts.yml'), 'groups');
  return groups.flatMap((group, index) =>
    arrayAt(group, 'rules').map((rule, ruleIndex) => asRecord(rule, `groups[${index}].rules[${ruleIndex}]`)),
  );
}

function ruleTestFiles(): string[] {
  return readdirSync(repoPath('prometheus-tests'))
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .map((name) => `prometheus-tests/${name}`);
}

describe('prometheus.yml', () => {
  test('When promtool checks the config, then it is valid and loads the alert rules file', (context) => {
    requirePromtool(context);

    const result = runPromtool(['check', 'config', 'prometheus.yml'], repoRoot);

    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS: 1 rule files found');
    expect(result.output).toContain(`SUCCESS: ${requiredAlerts.length} rules found`);
  });

  test('When the config is read, then every service is scraped at its compose name, on the port that serves /metrics without a token, every 15s', () => {
    const config = readRepoYaml('prometheus.yml');
    const job = arrayAt(config, 'scrape_configs')
      .map((entry) => asRecord(entry, 'scrape_configs[]'))
      .find((entry) => entry.job_name === 'ecommerce-services');

    expect(at(config, 'global.scrape_interval')).toBe('15s');
    expect(job?.metrics_path).toBe('/metrics');
    const targets = arrayAt(job, 'static_configs').map((entry) => ({
      target: asString(arrayAt(entry, 'targets')[0], 'targets[0]'),
      service: at(entry, 'labels.service'),
    }));
    const compose = readRepoYaml('docker-compose.yml');
    const envOf = (name: string): Record<string, string> =>
      Object.fromEntries(
        Object.entries(recordOrEmpty(at(compose, `services.${name}.environment`))).map(([key, value]) => [
          key,
          String(value),
        ]),
      );
    expect(targets).toEqual(
      SERVICES.map((service) => ({
        target: `${service.name}:${tokenFreeMetricsPort(service.name, envOf(service.name), readRepoText) ?? 'none: /metrics needs a token'}`,
        service: service.name,
      })),
    );
    expect(arrayAt(config, 'rule_files')).toEqual(['prometheus-alerts.yml']);
  });

  test('When the RabbitMQ jobs are read, then node totals and per-queue depths are scraped, labelled service=rabbitmq', () => {
    const jobs = arrayAt(readRepoYaml('prometheus.yml'), 'scrape_configs').map((entry) =>
      asRecord(entry, 'job'),
    );
    const rabbit = jobs.filter((job) => JSON.stringify(job.static_configs).includes('rabbitmq:15692'));

    expect(rabbit.map((job) => [job.metrics_path ?? '/metrics', at(job, 'params.family')])).toEqual([
      ['/metrics', undefined],
      ['/metrics/detailed', ['queue_coarse_metrics']],
    ]);
    for (const job of rabbit)
      expect(at(arrayAt(job, 'static_configs')[0], 'labels.service')).toBe('rabbitmq');
  });

  test('When the config is read, then firing alerts go to the compose Alertmanager', () => {
    expect(
      at(arrayAt(readRepoYaml('prometheus.yml'), 'alerting.alertmanagers')[0], 'static_configs'),
    ).toEqual([{ targets: ['alertmanager:9093'] }]);
  });
});

describe('prometheus-alerts.yml', () => {
  test('When promtool checks the rules, then all of them are valid', (context) => {
    requirePromtool(context);

    const result = runPromtool(['check', 'rules', 'prometheus-alerts.yml'], repoRoot);

    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${requiredAlerts.length} rules found`);
  });

  test('When the rules are read, then each required alert has a for duration, a severity and both annotations', () => {
    const rules = alertRules();

    expect(rules.map((rule) => rule.alert).sort()).toEqual([...requiredAlerts].sort());
    for (const rule of rules) {
      const name = asString(rule.alert, 'alert');
      expect(rule.for, name).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], name).toContain(at(rule, 'labels.severity'));
      expect(asString(at(rule, 'annotations.summary'), `${name}.summary`).length, name).toBeGreaterThan(10);
      expect(
        asString(at(rule, 'annotations.description'), `${name}.description`).length,
        name,
      ).toBeGreaterThan(30);
    }
  });

  test('When the rules are read, then every alert links a runbook in docs/runbooks that says what to do', () => {
    for (const rule of alertRules()) {
      const name = asString(rule.alert, 'alert');
      const runbook = asString(at(rule, 'annotations.runbook_url'), `${name}.runbook_url`);
      expect(runbook, name).toBe(`docs/runbooks/${name}.md`);
      expect(repoFileExists(runbook), runbook).toBe(true);
      const text = readRepoText(runbook);
      for (const heading of ['## What it means', '## First three commands', '## Confirm recovery']) {
        expect(text, `${runbook} ${heading}`).toContain(heading);
      }
      const commands = /## First three commands\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
      expect((commands.match(/^\d\. /gm) ?? []).length, `${runbook} numbered commands`).toBe(3);
    }
  });

  test('When the expressions are read, then none depends on a job name (compose and Kubernetes name jobs differently)', () => {
    for (const rule of alertRules()) {
      expect(asString(rule.expr, 'expr'), String(rule.alert)).not.toMatch(/\bjob\s*[=!]~?\s*"/);
    }
  });

  test('When the alert expressions are scanned, then they read only metrics the services export', () => {
    const used = alertRules().flatMap((rule) =>
      metricNamesIn(asString(rule.expr, `${String(rule.alert)}.expr`)),
    );

    expect(used.filter((name) => !isKnownSeries(name))).toEqual([]);
    const families = new Set(used.map((name) => familyOfSeries(name)?.name ?? name));
    expect([...families].sort()).toEqual([
      'circuit_breaker_events_total',
      'circuit_breaker_state',
      'event_broker_connected',
      'events_dead_lettered_total',
      'http_request_duration_seconds',
      'http_requests_total',
      'outbox_oldest_pending_age_seconds',
      'outbox_pending',
      'rabbitmq_alarms_free_disk_space_watermark',
      'rabbitmq_alarms_memory_used_watermark',
      'rabbitmq_detailed_queue_messages',
      'rate_limit_rejections_total',
      'up',
    ]);
  });
});

describe('prometheus-tests (promtool test rules)', () => {
  test('When promtool runs the rule unit tests, then every alert fires and stays quiet as specified', (context) => {
    requirePromtool(context);
    const files = ruleTestFiles();

    const result = runPromtool(['test', 'rules', ...files], repoRoot);

    expect(files.length).toBeGreaterThan(0);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
  });

  test('When the unit tests are read, then each alert has at least one firing case and one quiet case', () => {
    const cases = ruleTestFiles().flatMap((file) =>
      arrayAt(readRepoYaml(file), 'tests').flatMap((group) =>
        asArray(asRecord(group, file).alert_rule_test ?? [], `${file} alert_rule_test`).map((entry) => ({
          alert: asString(at(entry, 'alertname'), 'alertname'),
          fires: asArray(at(entry, 'exp_alerts'), 'exp_alerts').length > 0,
        })),
      ),
    );

    for (const alert of requiredAlerts) {
      expect(
        cases.some((entry) => entry.alert === alert && entry.fires),
        `${alert} fires`,
      ).toBe(true);
      expect(
        cases.some((entry) => entry.alert === alert && !entry.fires),
        `${alert} stays quiet`,
      ).toBe(true);
    }
  });

  test('When the unit tests are read, then they load the real alert rules file', () => {
    for (const file of ruleTestFiles()) {
      expect(arrayAt(readRepoYaml(file), 'rule_files'), file).toEqual(['../prometheus-alerts.yml']);
      expect(readRepoText(file)).toContain('evaluation_interval: 1m');
    }
  });
});

function recordOrEmpty(value: unknown): JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {};
}
