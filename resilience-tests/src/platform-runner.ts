import { freePorts } from '@shop/platform/tools';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBrokerSandbox, rabbitmqctlAvailable, type BrokerSandbox } from './broker-sandbox.js';
import { childBaseEnvironment, loadConfig } from './config.js';
import {
  GATEWAY,
  isBuilt,
  loadServiceMap,
  repositoryRoot,
  serviceEntry,
  type ServiceDefinition,
} from './service-map.js';
import { readStockLevels } from './stock-levels.js';

export { buildAll } from './build.js';

export interface Credentials {
  email: string;
  password: string;
}

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
}

/** The admin account every platform started by the runner has (created by customer-service on first start). */
export const TEST_ADMIN: Readonly<Credentials> = Object.freeze({
  email: 'admin@resilience.test',
  password: 'Chaos-Monkey-Admin-2718',
});

export interface StartPlatformOptions {
  /** Services to start (names from scripts/lib/services.mjs). Default: every one whose dist/src/main.js exists. */
  services?: string[];
  /** Extra environment for every service, e.g. `{ AMQP_URL }` for the RabbitMQ transport. */
  env?: Record<string, string>;
  /** Extra environment for one service, applied after `env`, e.g. `{ 'order-service': { PAYMENT_TIMEOUT_MS: '500' } }`. */
  serviceEnv?: Record<string, Record<string, string>>;
  /** Sets CHAOS_ENABLED=true so admins can inject faults (POST /chaos). Default false. */
  chaos?: boolean;
  /** How long each service may take to answer 200 on /health/ready. Default 30 s. */
  readyTimeoutMs?: number;
  /** Keep the temporary data directory after shutdown(). Default: the KEEP_DATA environment variable. */
  keepData?: boolean;
  /**
   * 'relaxed' (default) raises the gateway's per-IP and per-user budgets (RELAXED_RATE_LIMITS) because every
   * test client is 127.0.0.1; 'service-defaults' keeps the gateway's own limits (rate-limit scenarios).
   * The per-e-mail login limits stay as configured either way; `env`/`serviceEnv` still override.
   */
  rateLimits?: 'relaxed' | 'service-defaults';
  /**
   * With `env.AMQP_URL` set: run the platform in a private RabbitMQ vhost created with rabbitmqctl and
   * deleted by shutdown() (default true), so parallel platforms never share queues. Without rabbitmqctl
   * the URL is used as given.
   */
  isolateBroker?: boolean;
  /**
   * Node options for every service process, placed before its entry point, e.g.
   * `['--cpu-prof', '--cpu-prof-dir=/tmp/profiles']` (Node refuses --cpu-prof in NODE_OPTIONS).
   */
  nodeArgs?: string[];
}

/** Gateway budgets under `rateLimits: 'relaxed'`. */
export const RELAXED_RATE_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_ANONYMOUS_POINTS: '1000000',
  RATE_LIMIT_AUTH_POINTS: '1000000',
  RATE_LIMIT_API_POINTS: '1000000',
  // Every test client is 127.0.0.1: the per-address connection cap would count them all as one client.
  HTTP_MAX_CONNECTIONS_PER_IP: '0',
});

/**
 * The services' own per-client budgets under `rateLimits: 'relaxed'` (customer-service's registrations and
 * logins per client address, order-service's order placements), for the same reason. The per-e-mail login
 * budget stays as configured.
 */
const RELAXED_SERVICE_BUDGETS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  'customer-service': { RATE_LIMIT_REGISTER_POINTS: '1000000', RATE_LIMIT_LOGIN_IP_POINTS: '1000000' },
  'order-service': { ORDER_PLACEMENT_POINTS: '1000000' },
});

export interface Platform {
  /** The gateway's base URL; throws when api-gateway is not part of this platform. */
  readonly gatewayUrl: string;
  /** Base URL of every started service, by name. */
  readonly urls: Readonly<Record<string, string>>;
  readonly services: readonly string[];
  /** Temporary DATA_DIR: `<service>.db` SQLite files, `events.db`, `logs/<service>.log` (+ `.stdio.log`). */
  readonly dataDir: string;
  readonly adminCredentials: Readonly<Credentials>;
  /** The secret and claims the services verify tokens with (sign test tokens with createTokenService). */
  readonly jwt: Readonly<JwtSettings>;
  /** Stock per product id right after inventory-service became ready (empty without inventory-service). */
  readonly initialStock: ReadonlyMap<number, number>;
  /**
   * Re-reads stock (available + units held by reservations) as the new initialStock: call it after creating
   * products or changing stock as an admin, so invariants() conserves the new figures.
   */
  recordStockBaseline(): ReadonlyMap<number, number>;
  /**
   * SIGTERM, wait for the exit (SIGKILL after the grace period). Resolves once the process is gone, with how
   * it went (also kept in `stops`).
   */
  stop(name: string): Promise<StopRecord | undefined>;
  /**
   * Starts a stopped service again on the same port and data, and waits until it is ready. `env` overrides
   * its environment for this run only (e.g. another AMQP_URL); the next start() goes back to its own.
   */
  start(name: string, options?: { env?: Record<string, string> }): Promise<void>;
  restart(name: string, options?: { env?: Record<string, string> }): Promise<void>;
  /** Sends `signal` (default SIGKILL) and, unless it is SIGSTOP/SIGCONT, waits for the process to exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process holds its connections but answers nothing. */
  pause(name: string): void;
  /** SIGCONT after pause(). */
  resume(name: string): void;
  isRunning(name: string): boolean;
  pid(name: string): number | undefined;
  /** Waits for 200 on the service's /health/ready. */
  waitReady(name: string, timeoutMs?: number): Promise<void>;
  /** The private RabbitMQ vhost (outage() / restore() for broker-outage tests); undefined otherwise. */
  readonly broker: BrokerSandbox | undefined;
  /** The AMQP_URL the services use (the private vhost's when there is one); undefined on the embedded bus. */
  readonly amqpUrl: string | undefined;
  /** Everything the service wrote: its stdout/stderr, then its JSON log file. */
  logs(name: string): string;
  /** `<dataDir>/<service>.db` (may not exist for a service without a database). */
  databaseFile(name: string): string;
  /**
   * SIGTERM to every service (gateway first), waits for all exits, removes dataDir unless keepData. Resolves
   * with how each stop went (see `stopViolations`).
   */
  shutdown(): Promise<StopRecord[]>;
  /** SHUTDOWN_TIMEOUT_MS the services run with (5000 unless `env`/`serviceEnv` set another). */
  shutdownTimeoutMs(name: string): number;
  /** Every graceful stop (SIGTERM) so far, by stop(), restart() or shutdown(), in order. */
  readonly stops: readonly StopRecord[];
}

/** How one graceful stop went: SIGTERM sent, then the exit. */
export interface StopRecord {
  service: string;
  /** Measured from the SIGTERM to the process's exit. */
  durationMs: number;
  exitCode: number | null;
  /** Set when the process ended by a signal: SIGKILL means it outlived the runner's grace period. */
  signal: NodeJS.Signals | null;
  /** The service's SHUTDOWN_TIMEOUT_MS. */
  deadlineMs: number;
}

/** Time a process may take past its SHUTDOWN_TIMEOUT_MS to be gone (its teardown, a loaded machine). */
export const EXIT_TOLERANCE_MS = 1_000;

/**
 * The shutdown invariant: every graceful stop ends with exit code 0 within the service's SHUTDOWN_TIMEOUT_MS
 * (plus EXIT_TOLERANCE_MS). One readable line per stop that broke it; empty means every stop held.
 */
export function stopViolations(stops: readonly StopRecord[]): string[] {
  const problems: string[] = [];
  for (const stop of stops) {
    const took = `${(stop.durationMs / 1000).toFixed(1)} s`;
    if (stop.signal !== null) {
      problems.push(
        `${stop.service} was ended by ${stop.signal} after ${took} (deadline ${stop.deadlineMs} ms)`,
      );
    } else if (stop.exitCode !== 0) {
      problems.push(`${stop.service} exited with code ${stop.exitCode} after ${took}`);
    } else if (stop.durationMs > stop.deadlineMs + EXIT_TOLERANCE_MS) {
      problems.push(`${stop.service} took ${took} to exit (deadline ${stop.deadlineMs} ms)`);
    }
  }
  return problems;
}

interface ManagedService {
  definition: ServiceDefinition;
  url: string;
  env: Record<string, string>;
  logFile: string;
  stdioFile: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  paused: boolean;
}

const STOP_GRACE_MS = 15_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test runner that dies (or forgets shutdown) must not leave services listening behind it.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Starts the platform as real child processes (`node <service>/dist/src/main.js`) on free 127.0.0.1 ports
 * with a fresh temporary DATA_DIR, a random JWT secret and a known admin account, and waits until every
 * service answers /health/ready (backends first, then the gateway). Builds nothing: call buildAll() first.
 */
export async function startPlatform(options: StartPlatformOptions = {}): Promise<Platform> {
  const root = repositoryRoot();
  const config = loadConfig();
  const map = await loadServiceMap();
  const wanted = options.services ?? map.filter((s) => isBuilt(root, s.name)).map((s) => s.name);
  const definitions = wanted.map((name) => {
    const definition = map.find((s) => s.name === name);
    if (!definition)
      throw new Error(`Unknown service "${name}" (known: ${map.map((s) => s.name).join(', ')})`);
    if (!isBuilt(root, name)) {
      throw new Error(
        `${name} is not built (${serviceEntry(root, name)} is missing): run node scripts/tsc.mjs -b`,
      );
    }
    return definition;
  });
  if (definitions.length === 0) throw new Error('No service is built: run node scripts/tsc.mjs -b');

  const dataDir = mkdtempSync(join(tmpdir(), 'shop-platform-'));
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const jwt: JwtSettings = {
    secret: randomBytes(48).toString('base64url'),
    issuer: 'shop-platform',
    audience: 'shop-api',
  };
  const ports = await freePorts(map.length);
  // Every service in the map gets an address, started or not: a missing upstream then refuses connections
  // on a port nobody listens to, instead of reaching whatever runs on the default port.
  const urlByName = new Map(map.map((s, i) => [s.name, `http://127.0.0.1:${ports[i] ?? 0}`]));
  const shared: Record<string, string> = {
    ...childBaseEnvironment(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: jwt.secret,
    JWT_ISSUER: jwt.issuer,
    JWT_AUDIENCE: jwt.audience,
    EVENT_BUS_FILE: join(dataDir, 'events.db'),
    CHAOS_ENABLED: options.chaos ? 'true' : 'false',
    LOG_TO_CONSOLE: 'false',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
  };
  for (const s of map) shared[s.urlVar] = urlByName.get(s.name) ?? '';
  const extraEnv: Record<string, string> = { ...options.env };
  let broker: BrokerSandbox | undefined;
  if (extraEnv.AMQP_URL && options.isolateBroker !== false && (await rabbitmqctlAvailable())) {
    try {
      broker = await createBrokerSandbox(extraEnv.AMQP_URL);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    extraEnv.AMQP_URL = broker.url;
  }

  const managed = new Map<string, ManagedService>();
  for (const definition of definitions) {
    const url = urlByName.get(definition.name) ?? '';
    const logFile = join(logDir, `${definition.name}.log`);
    managed.set(definition.name, {
      definition,
      url,
      logFile,
      stdioFile: join(logDir, `${definition.name}.stdio.log`),
      paused: false,
      env: {
        ...shared,
        ...(definition.name === GATEWAY && options.rateLimits !== 'service-defaults'
          ? RELAXED_RATE_LIMITS
          : {}),
        ...(options.rateLimits !== 'service-defaults' ? RELAXED_SERVICE_BUDGETS[definition.name] : {}),
        ...extraEnv,
        ...options.serviceEnv?.[definition.name],
        PORT: new URL(url).port,
        LOG_FILE: logFile,
      },
    });
  }

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const keepData = options.keepData ?? config.KEEP_DATA;
  installExitHook();

  function service(name: string): ManagedService {
    const found = managed.get(name);
    if (!found)
      throw new Error(`${name} is not part of this platform (started: ${[...managed.keys()].join(', ')})`);
    return found;
  }

  function running(s: ManagedService): boolean {
    return s.child !== undefined && s.child.exitCode === null && s.child.signalCode === null;
  }

  function spawnService(s: ManagedService, env: Record<string, string> = {}): void {
    const out = openSync(s.stdioFile, 'a');
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), serviceEntry(root, s.definition.name)],
      {
        cwd: root,
        env: { ...s.env, ...env },
        stdio: ['ignore', out, out],
      },
    );
    closeSync(out);
    live.add(child);
    s.child = child;
    s.paused = false;
    s.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        resolve();
      });
      child.once('error', () => {
        live.delete(child);
        resolve();
      });
    });
  }

  function logsOf(s: ManagedService): string {
    const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    return [read(s.stdioFile), read(s.logFile)].filter(Boolean).join('\n');
  }

  function tail(s: ManagedService, lines = 30): string {
    const text = logsOf(s).trimEnd();
    return text === '' ? '(no output)' : text.split('\n').slice(-lines).join('\n');
  }

  async function waitReady(s: ManagedService, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!running(s)) {
        const how = s.child?.signalCode ?? `code ${s.child?.exitCode ?? '?'}`;
        throw new Error(`${s.definition.name} exited (${how}) before it was ready. Last output:\n${tail(s)}`);
      }
      try {
        const response = await fetch(`${s.url}/health/ready`, { signal: AbortSignal.timeout(1000) });
        const body = await response.text();
        if (response.ok) return;
        last = `${response.status} ${body.slice(0, 300)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(
      `${s.definition.name} was not ready at ${s.url}/health/ready within ${timeoutMs} ms (${last}). Last output:\n${tail(s)}`,
    );
  }

  const stops: StopRecord[] = [];

  function deadlineOf(s: ManagedService): number {
    return Number(s.env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
  }

  async function stopService(s: ManagedService): Promise<StopRecord | undefined> {
    const child = s.child;
    if (!child || !running(s)) return undefined;
    const started = Date.now();
    child.kill('SIGTERM');
    // A stopped (SIGSTOP) process only acts on the signal once it runs again.
    if (s.paused) child.kill('SIGCONT');
    s.paused = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await s.exited;
    clearTimeout(timer);
    const record: StopRecord = {
      service: s.definition.name,
      durationMs: Date.now() - started,
      exitCode: child.exitCode,
      signal: child.signalCode,
      deadlineMs: deadlineOf(s),
    };
    stops.push(record);
    return record;
  }

  const backends = [...managed.values()].filter((s) => s.definition.name !== GATEWAY);
  const gateway = managed.get(GATEWAY);
  let initialStock: ReadonlyMap<number, number> = new Map();

  async function shutdown(): Promise<StopRecord[]> {
    const records: (StopRecord | undefined)[] = [];
    if (gateway) records.push(await stopService(gateway));
    records.push(...(await Promise.all(backends.map((s) => stopService(s)))));
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    await broker?.remove().catch(() => undefined);
    return records.filter((record): record is StopRecord => record !== undefined);
  }

  try {
    for (const s of backends) spawnService(s);
    await Promise.all(backends.map((s) => waitReady(s, readyTimeoutMs)));
    if (gateway) {
      spawnService(gateway);
      await waitReady(gateway, readyTimeoutMs);
    }
    if (managed.has('inventory-service')) {
      initialStock = readStockLevels(join(dataDir, 'inventory-service.db'));
    }
  } catch (error) {
    await shutdown();
    throw error;
  }

  return {
    get gatewayUrl(): string {
      if (!gateway) throw new Error('api-gateway is not part of this platform: use urls[<service>] instead');
      return gateway.url;
    },
    urls: Object.fromEntries([...managed.entries()].map(([name, s]) => [name, s.url])),
    services: [...managed.keys()],
    dataDir,
    adminCredentials: TEST_ADMIN,
    jwt,
    broker,
    amqpUrl: extraEnv.AMQP_URL,
    get initialStock() {
      return initialStock;
    },
    recordStockBaseline() {
      initialStock = readStockLevels(join(dataDir, 'inventory-service.db'));
      return initialStock;
    },
    stop: (name) => stopService(service(name)),
    async start(name, startOptions = {}) {
      const s = service(name);
      if (running(s)) throw new Error(`${name} is already running (pid ${s.child?.pid ?? '?'})`);
      spawnService(s, startOptions.env);
      await waitReady(s, readyTimeoutMs);
    },
    async restart(name, startOptions = {}) {
      const s = service(name);
      await stopService(s);
      spawnService(s, startOptions.env);
      await waitReady(s, readyTimeoutMs);
    },
    async kill(name, signal = 'SIGKILL') {
      const s = service(name);
      if (!s.child || !running(s)) return;
      s.child.kill(signal);
      if (signal === 'SIGSTOP') {
        s.paused = true;
        return;
      }
      if (signal === 'SIGCONT') {
        s.paused = false;
        return;
      }
      await s.exited;
    },
    pause(name) {
      const s = service(name);
      if (!s.child || !running(s)) throw new Error(`${name} is not running`);
      s.child.kill('SIGSTOP');
      s.paused = true;
    },
    resume(name) {
      const s = service(name);
      if (!s.child || !running(s)) throw new Error(`${name} is not running`);
      s.child.kill('SIGCONT');
      s.paused = false;
    },
    isRunning: (name) => running(service(name)),
    pid: (name) => {
      const s = service(name);
      return running(s) ? s.child?.pid : undefined;
    },
    waitReady: (name, timeoutMs = readyTimeoutMs) => waitReady(service(name), timeoutMs),
    logs: (name) => logsOf(service(name)),
    databaseFile: (name) => join(dataDir, `${name}.db`),
    shutdown,
    shutdownTimeoutMs: (name) => deadlineOf(service(name)),
    stops,
  };
}
