import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminLogin,
  BudgetMirror,
  GatewayClient,
  loopbackCheck,
  prepareCustomers,
  prepareProducts,
} from '@shop/load-generator';
import { SERVICE_NAMES } from '@shop/platform/contracts';
import { locateStack } from '@shop/platform/tools';
import { RELAXED_RATE_LIMITS, startPlatform, TEST_ADMIN, type Platform } from '@shop/resilience-tests';
import {
  endToEndAims,
  LOAD_PROCESS,
  lessIdle,
  SETTLE_LIMIT_SECONDS,
  orderRunFigures,
  type EndToEndResult,
  type OrderRunFigures,
  type OrderRunName,
} from './e2e-report.js';
import { closedLoopOrders, OrderPlacer, pacedOrders, type OrderRunCounts } from './order-load.js';
import {
  childPids,
  childServices,
  cpuMicrosOf,
  procAvailable,
  rssBytesOf,
  rssFileBytesOf,
} from './process-stats.js';

export { endToEndAims };

const LOAD_PRODUCTS = 8;

export interface EndToEndSettings {
  durationSeconds: number;
  warmupSeconds: number;
  concurrency: number;
  rate: number;
  customers: number;
  /** GATEWAY_WORKERS of a started stack. */
  gatewayWorkers: number;
  gatewayUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  dataDir: string | undefined;
  amqpUrl: string | undefined;
  /** A started stack's services write a V8 CPU profile each (node --cpu-prof) into this directory. */
  cpuProfileDir: string | undefined;
  /** Seconds the stack is left untouched after start before its idle RSS is read (0: read at start only). */
  idleSeconds: number;
  /** Node options for every service of a started stack (before the entry point). */
  nodeArgs: string[];
  say(line: string): void;
}

interface Stack {
  kind: 'started' | 'external';
  gatewayUrl: string;
  transport: string;
  /** GATEWAY_WORKERS of a started stack; unknown for an external one. */
  gatewayWorkers?: number;
  rateLimits: string;
  admin: { email: string; password: string };
  processes: Map<string, number>;
  notes: string[];
  stop(): Promise<void>;
}

async function startedStack(settings: EndToEndSettings): Promise<Stack> {
  settings.say(
    `e2e: starting the platform (${SERVICE_NAMES.length} services, NODE_ENV=production, GATEWAY_WORKERS=${settings.gatewayWorkers}` +
      (settings.nodeArgs.length > 0 ? `, node ${settings.nodeArgs.join(' ')}` : '') +
      ')',
  );
  const platform: Platform = await startPlatform({
    rateLimits: 'relaxed',
    env: {
      NODE_ENV: 'production',
      GATEWAY_WORKERS: String(settings.gatewayWorkers),
      ...(settings.amqpUrl !== undefined && { AMQP_URL: settings.amqpUrl }),
    },
    nodeArgs: [
      ...settings.nodeArgs,
      ...(settings.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}`]),
    ],
  });
  const processes = new Map<string, number>();
  for (const name of platform.services) {
    const pid = platform.pid(name);
    if (pid !== undefined) processes.set(name, pid);
  }
  return {
    kind: 'started',
    gatewayUrl: platform.gatewayUrl,
    transport: platform.amqpUrl === undefined ? 'embedded SQLite queue' : 'RabbitMQ (private vhost)',
    gatewayWorkers: settings.gatewayWorkers,
    rateLimits: `raised by the bench (anonymous, auth and per-customer budgets ${Number(RELAXED_RATE_LIMITS.RATE_LIMIT_API_POINTS).toLocaleString('en-US')} per window)`,
    admin: { ...TEST_ADMIN },
    processes,
    notes: [],
    stop: async () => {
      await platform.shutdown();
    },
  };
}

async function externalStack(settings: EndToEndSettings, gatewayUrl: string): Promise<Stack | string> {
  if (settings.adminPassword === undefined)
    return 'GATEWAY_URL is set: also set ADMIN_PASSWORD (and ADMIN_EMAIL) of that stack';
  const where = await loopbackCheck(gatewayUrl);
  if (!where.loopback)
    return `GATEWAY_URL ${gatewayUrl} is not on this machine: the bench saturates what it measures, so it only runs on loopback`;
  const notes: string[] = [];
  let processes = new Map<string, number>();
  try {
    const location = locateStack({ dataDirVariable: settings.dataDir, command: 'bench' });
    const launcherPid = location.stack?.launcherPid;
    if (
      location.stack !== undefined &&
      new URL(location.stack.gatewayUrl).origin === new URL(gatewayUrl).origin &&
      launcherPid !== undefined
    ) {
      processes = childServices(launcherPid, SERVICE_NAMES);
    }
  } catch {
    // No stack.json to find the processes by: said in the notes below.
  }
  if (processes.size === 0) {
    notes.push(
      "CPU and RSS per process need the stack's processes: set DATA_DIR to the data directory of the npm start that runs it",
    );
  }
  return {
    kind: 'external',
    gatewayUrl: new URL(gatewayUrl).origin,
    transport: "the stack's own",
    rateLimits: `the stack's own; orders spread over the customers (each customer spends its own budget)`,
    admin: { email: settings.adminEmail ?? 'admin@shop.local', password: settings.adminPassword },
    processes,
    notes,
    stop: () => Promise.resolve(),
  };
}

/**
 * Each process with children (the gateway's primary and its workers) becomes `<name> (primary)` and
 * `<name> worker <n>`; the others stay as they are, in the same order.
 */
function withChildProcesses(processes: ReadonlyMap<string, number>): Map<string, number> {
  const expanded = new Map<string, number>();
  for (const [name, pid] of processes) {
    const children = childPids(pid);
    if (children.length === 0) {
      expanded.set(name, pid);
      continue;
    }
    expanded.set(`${name} (primary)`, pid);
    children.forEach((child, index) => expanded.set(`${name} worker ${index + 1}`, child));
  }
  return expanded;
}

function cpuSnapshot(processes: ReadonlyMap<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of processes) {
    const micros = cpuMicrosOf(pid);
    if (micros !== undefined) snapshot[name] = micros;
  }
  const own = process.cpuUsage();
  snapshot[LOAD_PROCESS] = own.user + own.system;
  return snapshot;
}

function rssSnapshot(processes: ReadonlyMap<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of processes) {
    const bytes = rssBytesOf(pid);
    if (bytes !== undefined) snapshot[name] = bytes / (1024 * 1024);
  }
  snapshot[LOAD_PROCESS] = process.memoryUsage.rss() / (1024 * 1024);
  return snapshot;
}

/** The file-backed part of each process's RSS (MB): the node binary's and the libraries' shared pages. */
function rssFileSnapshot(processes: ReadonlyMap<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of [...processes, [LOAD_PROCESS, process.pid] as const]) {
    const bytes = rssFileBytesOf(pid);
    if (bytes !== undefined) snapshot[name] = bytes / (1024 * 1024);
  }
  return snapshot;
}

/** How long the bench waits for the services to be quiet between runs. */
const SETTLE_LIMIT_MS = SETTLE_LIMIT_SECONDS * 1000;
/** Quiet: the services together use less than their idle rate plus this share of one core over a second. */
const QUIET_SHARE = 0.05;
/**
 * What a process may use idle before its own rate is known (the start-up settling): the most any service
 * used idle on the development machine (0.7-2.5 % of a core).
 */
const STARTUP_IDLE_SHARE = 0.025;
/** How long the idle rate of each process is measured, before the runs. */
const IDLE_SAMPLE_MS = 3_000;

/**
 * CPU each process uses per second while nothing is asked of it (µs/s): its polls (outbox relay, event
 * consumers, the revocation feed), timers and health refreshes.
 */
async function idleCpuRates(processes: ReadonlyMap<string, number>): Promise<Record<string, number>> {
  const before = cpuSnapshot(processes);
  const started = performance.now();
  await sleep(IDLE_SAMPLE_MS);
  const after = cpuSnapshot(processes);
  const elapsedMs = performance.now() - started;
  const rates: Record<string, number> = {};
  for (const name of processes.keys()) {
    const start = before[name];
    const end = after[name];
    if (start !== undefined && end !== undefined) rates[name] = ((end - start) * 1000) / elapsedMs;
  }
  return rates;
}

/**
 * Waits until the services are quiet: over a second they use no more than their idle rate (`idle`, µs/s;
 * before it is measured, STARTUP_IDLE_SHARE of a core each) plus QUIET_SHARE of a core; at most
 * SETTLE_LIMIT_MS. Resolves with the seconds it took, or undefined when they never were. Without the
 * processes it waits two seconds.
 */
async function settle(
  processes: ReadonlyMap<string, number>,
  idle?: Record<string, number>,
): Promise<number | undefined> {
  if (processes.size === 0) {
    await sleep(2000);
    return 2;
  }
  const started = Date.now();
  const busy = (snapshot: Record<string, number>) =>
    [...processes.keys()].reduce((sum, name) => sum + (snapshot[name] ?? 0), 0);
  const idleTotal = idle === undefined ? processes.size * STARTUP_IDLE_SHARE * 1_000_000 : busy(idle);
  let previous = busy(cpuSnapshot(processes));
  while (Date.now() - started < SETTLE_LIMIT_MS) {
    await sleep(1000);
    const now = busy(cpuSnapshot(processes));
    if (now - previous < idleTotal + QUIET_SHARE * 1_000_000) return (Date.now() - started) / 1000;
    previous = now;
  }
  return undefined;
}

/**
 * The bench's end-to-end target: the real platform (started here, or GATEWAY_URL), orders placed through
 * the gateway by this process. Idle RSS, then three runs: one order at a time, a paced fixed rate, and
 * saturation; CPU per order of every process from /proc, RSS after. Resolves with the figures, or with the
 * reason it could not run.
 */
export async function runEndToEnd(settings: EndToEndSettings): Promise<EndToEndResult | { skipped: string }> {
  const stackOrReason =
    settings.gatewayUrl === undefined
      ? await startedStack(settings)
      : await externalStack(settings, settings.gatewayUrl);
  if (typeof stackOrReason === 'string') return { skipped: stackOrReason };
  const stack = stackOrReason;
  const client = new GatewayClient(stack.gatewayUrl, {
    connections: Math.max(settings.concurrency, 64),
    timeoutMs: 30_000,
  });
  try {
    if (!procAvailable())
      stack.notes.push('no /proc on this machine: CPU and RSS per process are not measured');
    // Let start-up work (migrations, the first relay polls, JIT) settle before "idle" is read.
    await sleep(3000);
    // A gateway with GATEWAY_WORKERS > 1 (the default in production on a multi-core machine) is a primary
    // and its workers: each is measured as a process of its own.
    stack.processes = withChildProcesses(stack.processes);
    await settle(stack.processes);
    const start = rssSnapshot(stack.processes);
    // "Idles at": V8 keeps the young generation it grew while starting (about 15 MB a process) until its
    // memory reducer runs, which can be up to 100 s after the last full collection; so idle RSS is read
    // after the stack was left alone that long, and the figure at start is kept beside it.
    if (settings.idleSeconds > 0) {
      settings.say(`e2e: idle ${settings.idleSeconds} s before reading idle RSS`);
      await sleep(settings.idleSeconds * 1000);
    } else {
      stack.notes.push('BENCH_E2E_IDLE_SECONDS=0: idle RSS is the RSS at start');
    }
    const idle = settings.idleSeconds > 0 ? rssSnapshot(stack.processes) : start;
    const idleFile = rssFileSnapshot(stack.processes);
    const idleCpu = await idleCpuRates(stack.processes);

    settings.say(`e2e: setup: ${LOAD_PRODUCTS} load products, ${settings.customers} customers`);
    const admin = await adminLogin(client, stack.admin, {
      onWait: (s) => settings.say(`e2e: login budget spent, waiting ${s} s`),
    });
    if (admin === undefined) return { skipped: 'the admin login was refused' };
    const products = await prepareProducts(client, admin.token, LOAD_PRODUCTS);
    const customers = await prepareCustomers(client, new BudgetMirror(), {
      runId: randomBytes(3).toString('hex'),
      firstSequence: 1,
      count: settings.customers,
      signal: new AbortController().signal,
      onProgress: (done, waiting) => {
        if (waiting !== undefined)
          settings.say(`e2e: setup ${done}/${settings.customers} customers; ${waiting}`);
      },
    });
    const placer = new OrderPlacer(client, customers, products);

    if (settings.warmupSeconds > 0) {
      settings.say(`e2e: warm-up ${settings.warmupSeconds} s`);
      await closedLoopOrders(placer, 8, settings.warmupSeconds);
    }
    await settle(stack.processes, idleCpu);
    const runs: OrderRunFigures[] = [];
    const measured = async (
      name: OrderRunName,
      shape: { concurrency?: number; rate?: number },
      run: () => Promise<OrderRunCounts>,
    ) => {
      settings.say(`e2e: ${name} ${settings.durationSeconds} s`);
      const before = cpuSnapshot(stack.processes);
      const counts = await run();
      // The events the orders caused (shipments, notifications) are their cost too, and must not spill
      // into the next run: CPU is read once the services are quiet again.
      const settleStarted = Date.now();
      const settledAfter = await settle(stack.processes, idleCpu);
      if (settledAfter === undefined)
        stack.notes.push(`the services were still busy ${SETTLE_LIMIT_MS / 1000} s after the ${name} run`);
      const settleSeconds = (Date.now() - settleStarted) / 1000;
      const after = lessIdle(cpuSnapshot(stack.processes), idleCpu, settleSeconds);
      runs.push({
        ...orderRunFigures(name, counts, before, after, shape),
        settleSeconds: settledAfter,
      });
    };
    await measured('single', { concurrency: 1 }, () => closedLoopOrders(placer, 1, settings.durationSeconds));
    await measured('fixed-rate', { rate: settings.rate }, () =>
      pacedOrders(placer, settings.rate, settings.durationSeconds, settings.rate),
    );
    await measured('saturation', { concurrency: settings.concurrency }, () =>
      closedLoopOrders(placer, settings.concurrency, settings.durationSeconds),
    );
    const after = rssSnapshot(stack.processes);

    const processes: Record<string, number> = Object.fromEntries(stack.processes);
    processes[LOAD_PROCESS] = process.pid;
    return {
      stack: {
        kind: stack.kind,
        gatewayUrl: stack.gatewayUrl,
        transport: stack.transport,
        ...(stack.gatewayWorkers !== undefined && { gatewayWorkers: stack.gatewayWorkers }),
        rateLimits: stack.rateLimits,
      },
      customers: customers.length,
      products: products.length,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      processes,
      rssMb: { start, idle, idleFile, after },
      idleCpuShare: Object.fromEntries(Object.entries(idleCpu).map(([name, rate]) => [name, rate / 1e6])),
      runs,
      notes: stack.notes,
    };
  } finally {
    await client.close();
    await stack.stop();
  }
}
