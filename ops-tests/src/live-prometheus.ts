import { freePort } from '@shop/platform/tools';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { toolsRequired } from './ops-env.js';
import { arrayAt, asArray, asRecord, asString, at, recordAt, type JsonRecord } from './shape.js';

const prometheusCommand = 'prometheus';

function prometheusVersion(): string | undefined {
  const result = spawnSync(prometheusCommand, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.split('\n')[0];
}

export const prometheusAvailable: boolean = prometheusVersion() !== undefined;

/** Why the Prometheus smoke test is skipped, or undefined when it must run (binary present, or required). */
export const prometheusSkipReason: string | undefined =
  prometheusAvailable || toolsRequired
    ? undefined
    : `the prometheus binary was not found (install Debian's 'prometheus' package); ` +
      `skipping, set REQUIRE_SERVICES=1 to make this a failure`;

export const SERVICES_JOB = 'ecommerce-services';

export interface LiveScrapeOptions {
  /** Scrape and rule-evaluation interval, e.g. '1s'. */
  interval: string;
  /** Absolute paths of rule files to load. */
  ruleFiles: readonly string[];
}

/**
 * The repository's prometheus.yml turned toward a local platform: the services job keeps its shape
 * (job name, metrics path, honor_labels, the `service` label of each target) but each target becomes
 * the 127.0.0.1 address the runner gave that service; the other jobs (RabbitMQ, Prometheus itself)
 * are dropped. Throws when a target's service has no local URL.
 */
export function liveScrapeConfig(
  repoConfig: unknown,
  urls: Readonly<Record<string, string>>,
  options: LiveScrapeOptions,
): JsonRecord {
  const job = arrayAt(repoConfig, 'scrape_configs')
    .map((entry, index) => asRecord(entry, `scrape_configs[${index}]`))
    .find((entry) => entry.job_name === SERVICES_JOB);
  if (job === undefined) throw new Error(`prometheus.yml has no ${SERVICES_JOB} job`);
  const staticConfigs = arrayAt(job, 'static_configs').map((entry, index) => {
    const service = asString(at(entry, 'labels.service'), `static_configs[${index}].labels.service`);
    const url = urls[service];
    if (url === undefined)
      throw new Error(`no local URL for ${service} (have ${Object.keys(urls).join(', ')})`);
    return { ...asRecord(entry, `static_configs[${index}]`), targets: [new URL(url).host] };
  });
  return {
    global: {
      ...recordAt(repoConfig, 'global'),
      scrape_interval: options.interval,
      scrape_timeout: options.interval,
      evaluation_interval: options.interval,
    },
    rule_files: [...options.ruleFiles],
    scrape_configs: [{ ...job, static_configs: staticConfigs }],
  };
}

export interface ActiveTarget {
  job: string;
  service: string | undefined;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

export interface VectorSample {
  metric: Readonly<Record<string, string>>;
  value: number;
}

export interface RuleState {
  name: string;
  type: string;
  health: string;
  lastError: string;
}

export interface ActiveAlert {
  name: string;
  state: string;
  labels: Readonly<Record<string, string>>;
}

/** The parts of Prometheus' HTTP API (/api/v1) the smoke test reads. */
export interface PrometheusApi {
  targets(): Promise<ActiveTarget[]>;
  /** Every metric name in the TSDB (/api/v1/label/__name__/values). */
  metricNames(): Promise<string[]>;
  /** An instant query; throws with Prometheus' error when the expression does not parse or evaluate. */
  query(expr: string): Promise<VectorSample[]>;
  rules(): Promise<RuleState[]>;
  alerts(): Promise<ActiveAlert[]>;
}

function stringRecord(value: unknown, path: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(value, path)).map(([key, entry]) => [key, asString(entry, `${path}.${key}`)]),
  );
}

function optionalString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function prometheusApi(baseUrl: string): PrometheusApi {
  async function get(path: string, params: Record<string, string> = {}): Promise<unknown> {
    const url = new URL(`/api/v1/${path}`, baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = asRecord(await response.json(), `GET ${url.pathname}`);
    if (body.status !== 'success') {
      throw new Error(`GET ${url.pathname}${url.search}: ${response.status} ${String(body.error)}`);
    }
    return body.data;
  }

  return {
    async targets() {
      const data = await get('targets', { state: 'active' });
      return arrayAt(data, 'activeTargets').map((target) => {
        const service = at(target, 'labels.service');
        return {
          job: asString(at(target, 'labels.job'), 'labels.job'),
          service: typeof service === 'string' ? service : undefined,
          scrapeUrl: asString(at(target, 'scrapeUrl'), 'scrapeUrl'),
          health: asString(at(target, 'health'), 'health'),
          lastError: optionalString(at(target, 'lastError')),
        };
      });
    },
    async metricNames() {
      return asArray(await get('label/__name__/values'), '__name__ values').map((name) =>
        asString(name, 'metric name'),
      );
    },
    async query(expr) {
      const data = await get('query', { query: expr });
      if (at(data, 'resultType') !== 'vector') {
        throw new Error(`${expr}: expected a vector, got ${String(at(data, 'resultType'))}`);
      }
      return arrayAt(data, 'result').map((sample) => ({
        metric: stringRecord(at(sample, 'metric'), 'metric'),
        value: Number(asArray(at(sample, 'value'), 'value')[1]),
      }));
    },
    async rules() {
      return arrayAt(await get('rules'), 'groups').flatMap((group) =>
        arrayAt(group, 'rules').map((rule) => ({
          name: asString(at(rule, 'name'), 'rule.name'),
          type: asString(at(rule, 'type'), 'rule.type'),
          health: asString(at(rule, 'health'), 'rule.health'),
          lastError: optionalString(at(rule, 'lastError')),
        })),
      );
    },
    async alerts() {
      return arrayAt(await get('alerts'), 'alerts').map((alert) => {
        const labels = stringRecord(at(alert, 'labels'), 'alert.labels');
        return { name: labels.alertname ?? '', state: asString(at(alert, 'state'), 'state'), labels };
      });
    },
  };
}

/**
 * Calls `read` until `done` accepts its result or `timeoutMs` passes, and returns the last result either
 * way (the caller asserts on it, so a timeout fails with the real state in the message). A read that
 * throws counts as not done; if the last one threw, that error is rethrown.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { ok: true; value: T } | { ok: false; error: Error };
    try {
      const value = await read();
      if (done(value)) return value;
      last = { ok: true, value };
    } catch (error) {
      last = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    if (Date.now() >= deadline) {
      if (!last.ok) throw last.error;
      return last.value;
    }
    await sleep(intervalMs);
  }
}

export interface PrometheusServer {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  api: PrometheusApi;
  /** The process' stdout and stderr so far (its tail), for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), waits for the exit and removes the temporary directory. */
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  config: JsonRecord;
  /** The process is SIGKILLed after this long even if nobody stops it. */
  lifetimeMs: number;
  readyTimeoutMs?: number;
}

const outputLimit = 20_000;
const running = new Set<number>();
let exitHookInstalled = false;

// A test process that dies without its afterAll must not leave Prometheus running.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

async function launch(
  options: StartPrometheusOptions,
  dir: string,
): Promise<PrometheusServer | 'port-taken'> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(options.config));
  const child = spawn(
    prometheusCommand,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, `data-${port}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: string): void => {
    output = (output + chunk).slice(-outputLimit);
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      collect(`spawn failed: ${error.message}\n`);
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`could not start ${prometheusCommand}: ${output}`);
  }
  running.add(pid);
  void exited.then(() => running.delete(pid));
  const lifetime = setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs);
  lifetime.unref();
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;

  const stop = async (): Promise<void> => {
    clearTimeout(lifetime);
    if (alive()) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!alive()) {
      await exited;
      if (/address already in use/i.test(output)) return 'port-taken';
      throw new Error(`prometheus exited before it was ready:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) {
        return { url, pid, api: prometheusApi(url), output: () => output, stop };
      }
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`prometheus was not ready at ${url} in time (${last}):\n${output}`);
}

/**
 * Starts the real Prometheus on a free 127.0.0.1 port with `config`, its TSDB in a temporary directory,
 * and waits until /-/ready answers 200. The process lives at most `lifetimeMs`.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'ops-tests-prometheus-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // freePort() releases the port before Prometheus binds it; another process may take it meanwhile.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const server = await launch(options, dir);
      if (server !== 'port-taken') {
        return {
          ...server,
          stop: async () => {
            await server.stop();
            removeDir();
          },
        };
      }
    }
    throw new Error('prometheus could not bind a free port in 3 attempts');
  } catch (error) {
    removeDir();
    throw error;
  }
}

export { freePort };
