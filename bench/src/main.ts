// `npm run bench`: (a) direct, (b) bare node:http proxy, (c) Koa pass-through and (d) the full api-gateway,
// side by side in one run on 127.0.0.1; (e) the whole platform end to end through the gateway; plus
// jsonwebtoken and access-log micro-benchmarks.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ConfigError, createTokenService, DEFAULT_MAX_LIFETIME_SECONDS } from '@shop/platform/runtime';
import { answerHelp, describeSettings } from '@shop/platform/tools';
import { loadConfig, settingsSchema } from './config.js';
import { endToEndAims, runEndToEnd } from './e2e/end-to-end.js';
import { runLoad, runPacedLoad, withCpuPerRequest, type LoadOptions } from './load.js';
import {
  formatProductCache,
  runProductCacheBench,
  type ProductCacheResult,
} from './product-cache/product-cache-bench.js';
import { accessLogBenchmarks, jwtVerifyBenchmarks } from './micro.js';
import { aims, formatReport, type BenchReport, type TargetName, type TargetResult } from './report.js';
import { compareRounds, targetFromRuns, type TargetRuns } from './rounds.js';
import { startGatewayMainProcess, startTargetProcess, type TargetProcess } from './target-process.js';
import type { TargetSpec } from './target-spec.js';

const TARGETS: readonly TargetName[] = [
  'direct',
  'bare-proxy',
  'koa-proxy',
  'gateway',
  'gateway-baseline',
  'gateway-no-tracing',
  'gateway-traced',
  'gateway-workers',
];
const END_TO_END = 'e2e';
const PRODUCT_CACHE = 'product-cache';
const TARGET_NAMES: readonly string[] = [...TARGETS, END_TO_END, PRODUCT_CACHE];

const USAGE = [
  'Usage: npm run bench [-- --help]',
  '',
  'Measures what the API gateway costs on this machine: the same protected request sent (a) straight to',
  'a tiny upstream, (b) through a bare node:http proxy, (c) through a Koa pass-through and (d) through the',
  'real api-gateway, each under saturation and under a moderate paced load, in rounds (every target once',
  'per round, in turn; medians over the rounds, so every ratio compares runs taken moments apart). Then',
  '(e) e2e: the whole platform, seven processes started here (or GATEWAY_URL), with orders placed through the gateway: one',
  'at a time, at a paced rate and at saturation, with CPU per order and memory of every process. Then',
  '(f) product-cache: inventory-service product reads with the cache cold (off) and warm, side by side. Then',
  'jsonwebtoken and access-log micro-benchmarks. About six minutes. Prints a report with the aims met or',
  'NOT met (see bench/README.md) and writes the JSON results.',
  '',
  'Environment:',
  ...describeSettings(settingsSchema),
].join('\n');

const helpExit = answerHelp(process.argv.slice(2), USAGE, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
if (helpExit !== undefined) process.exit(helpExit);

const config = (() => {
  try {
    const loaded = loadConfig();
    const unknown = loaded.BENCH_TARGETS.filter((name) => !TARGET_NAMES.includes(name));
    if (unknown.length > 0) {
      throw new ConfigError(
        `BENCH_TARGETS: no target named ${unknown.join(', ')}; they are ${TARGET_NAMES.join(', ')}`,
      );
    }
    return loaded;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n(npm run bench -- --help lists the settings)\n`);
    process.exit(2);
  }
})();
const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = join(benchRoot, '..');
const gatewayDist = join(repoRoot, 'api-gateway', 'dist', 'src');
const PATH = '/api/customers/me';

const jwtSecret = randomBytes(48).toString('base64url');
// The gateway refuses tokens meant to live longer than its maximum lifetime (DEFAULT_MAX_LIFETIME_SECONDS,
// 15 minutes): the proxy targets (a)-(d2) are done well within it.
const token = createTokenService({
  secret: jwtSecret,
  issuer: 'shop-platform',
  audience: 'shop-api',
}).signAccessToken(
  { id: 'c0ffee00-0000-4000-8000-000000000001', role: 'customer', email: 'bench@example.test' },
  DEFAULT_MAX_LIFETIME_SECONDS,
);
const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
const scratch = mkdtempSync(join(tmpdir(), 'shop-bench-'));

/**
 * (d2): the gateway as users start it (dist/src/main.js, NODE_ENV=production) with GATEWAY_WORKERS=N: a
 * primary and N workers sharing the port, the counters of the rate limits in the primary. The same
 * settings as (d); its req/s compares with (d)'s, one process.
 */
function startGatewayWorkers(upstreamUrl: string): Promise<TargetProcess> {
  const dataDir = join(scratch, 'gateway-workers');
  mkdirSync(dataDir, { recursive: true });
  const HIGH = String(1_000_000_000);
  return startGatewayMainProcess({
    mainFile: join(gatewayDist, 'main.js'),
    workers: config.BENCH_GATEWAY_WORKERS,
    logFile: join(dataDir, 'api-gateway.log'),
    env: {
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JWT_SECRET: jwtSecret,
      JWT_ISSUER: 'shop-platform',
      JWT_AUDIENCE: 'shop-api',
      ...Object.fromEntries(
        ['CUSTOMER', 'INVENTORY', 'ORDER', 'PAYMENT', 'SHIPPING', 'NOTIFICATION'].map((name) => [
          `${name}_SERVICE_URL`,
          upstreamUrl,
        ]),
      ),
      RATE_LIMIT_ANONYMOUS_POINTS: HIGH,
      RATE_LIMIT_AUTH_POINTS: HIGH,
      RATE_LIMIT_API_POINTS: HIGH,
    },
  });
}

/** How to start target `name` in front of the upstream, or why it is skipped ('direct' is the upstream). */
function starterFor(
  name: Exclude<TargetName, 'direct'>,
  upstreamUrl: string,
): (() => Promise<TargetProcess>) | string {
  if (name === 'gateway-workers') {
    return existsSync(join(gatewayDist, 'main.js'))
      ? () => startGatewayWorkers(upstreamUrl)
      : 'api-gateway is not built (api-gateway/dist/src/main.js missing)';
  }
  const spec = specFor(name, upstreamUrl);
  return typeof spec === 'string' ? spec : () => startTargetProcess(spec);
}

function specFor(
  name: Exclude<TargetName, 'direct' | 'gateway-workers'>,
  upstreamUrl: string,
): TargetSpec | string {
  if (name === 'bare-proxy' || name === 'koa-proxy') return { kind: name, upstreamUrl };
  if (name === 'gateway-baseline') {
    const baseline = config.BENCH_GATEWAY_BASELINE;
    if (baseline === undefined) return 'BENCH_GATEWAY_BASELINE is not set';
    if (!existsSync(join(baseline, 'service.js'))) return `no service.js in ${baseline}`;
    return {
      kind: 'gateway',
      upstreamUrl,
      gatewayDist: baseline,
      jwtSecret,
      dataDir: join(scratch, name),
      logFile: join(scratch, name, 'api-gateway.log'),
    };
  }
  if (!existsSync(join(gatewayDist, 'service.js'))) {
    return 'api-gateway is not built (api-gateway/dist/src/service.js missing)';
  }
  const gateway: Extract<TargetSpec, { kind: 'gateway' }> = {
    kind: 'gateway',
    upstreamUrl,
    gatewayDist,
    jwtSecret,
    dataDir: join(scratch, name),
    logFile: join(scratch, name, 'api-gateway.log'),
  };
  if (name === 'gateway-no-tracing') return { ...gateway, withoutTracingCode: true };
  if (name === 'gateway-traced') return { ...gateway, tracingEndpoint: upstreamUrl };
  return gateway;
}

/** The line of a child's stderr that says what went wrong (`...Error: ...`), else its first line. */
function firstErrorLine(message: string): string {
  const lines = message.split('\n');
  return (lines.find((line) => /^\s*\w*Error: /.test(line)) ?? lines[0] ?? '').trim();
}

type Base = Omit<LoadOptions, 'connections' | 'durationSeconds'>;

const baseFor = (target: TargetProcess): Base => ({ url: `${target.url}${PATH}`, headers });

/** One saturation run (closed loop, BENCH_CONNECTIONS), with the target's CPU per request. */
function saturationRun(target: TargetProcess, seconds = config.BENCH_DURATION) {
  return withCpuPerRequest(
    () => target.cpuMicros(),
    () => runLoad({ ...baseFor(target), connections: config.BENCH_CONNECTIONS, durationSeconds: seconds }),
  );
}

/** One moderate-load run (open loop, evenly paced), with the target's CPU per request. */
function moderateRun(target: TargetProcess) {
  return withCpuPerRequest(
    () => target.cpuMicros(),
    () =>
      runPacedLoad({
        ...baseFor(target),
        connections: config.BENCH_MODERATE_CONNECTIONS,
        durationSeconds: config.BENCH_DURATION,
        rate: config.BENCH_MODERATE_RATE,
      }),
  );
}

/** What a target leaves running after a saturation run (a last flush, a collection) stays out of the next. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

interface Running {
  name: TargetName;
  target: TargetProcess;
  runs: TargetRuns;
}

/**
 * Targets (a) to (d4): each in its own process in front of one upstream process, all started first, then
 * measured in BENCH_ROUNDS rounds. A round runs every target's saturation run in turn, then every
 * target's moderate run, the order rotated by one target each round: the runs that a ratio compares are
 * seconds apart, whatever else the machine does meanwhile (see rounds.ts).
 */
async function measureProxies(wanted: readonly TargetName[]): Promise<TargetResult[]> {
  const upstream = await startTargetProcess({ kind: 'upstream' });
  const skipped = new Map<TargetName, string>();
  const running: Running[] = [];
  try {
    for (const name of wanted) {
      if (name === 'direct') {
        running.push({ name, target: upstream, runs: { saturation: [], moderate: [] } });
        continue;
      }
      const start = starterFor(name, upstream.url);
      if (typeof start === 'string') {
        process.stdout.write(`${name}: skipped, ${start}\n`);
        skipped.set(name, start);
        continue;
      }
      try {
        running.push({ name, target: await start(), runs: { saturation: [], moderate: [] } });
      } catch (error) {
        const reason = `could not start: ${firstErrorLine((error as Error).message)}`;
        process.stdout.write(`${name}: skipped, ${reason}\n`);
        skipped.set(name, reason);
      }
    }
    if (config.BENCH_WARMUP > 0) {
      process.stdout.write(
        `warm-up ${config.BENCH_WARMUP} s each: ${running.map((each) => each.name).join(', ')}\n`,
      );
      for (const { target } of running) await saturationRun(target, config.BENCH_WARMUP);
    }
    for (let round = 0; round < config.BENCH_ROUNDS; round++) {
      const order = running.map((_, index) => running[(index + round) % running.length] as Running);
      process.stdout.write(
        `round ${round + 1}/${config.BENCH_ROUNDS}: saturation then moderate ${config.BENCH_DURATION} s each, ` +
          `${order.map((each) => each.name).join(', ')}\n`,
      );
      for (const each of order) {
        each.runs.saturation.push(await saturationRun(each.target));
        await settle();
      }
      for (const each of order) each.runs.moderate.push(await moderateRun(each.target));
    }
  } finally {
    for (const { name, target } of running) if (name !== 'direct') await target.stop();
    await upstream.stop();
  }
  return wanted.map((name): TargetResult => {
    const reason = skipped.get(name);
    if (reason !== undefined) return { name, skipped: reason };
    return targetFromRuns(name, (running.find((each) => each.name === name) as Running).runs);
  });
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const wanted = TARGETS.filter((name) => config.BENCH_TARGETS.includes(name));
  const targets = wanted.length > 0 ? await measureProxies(wanted) : [];

  let endToEnd: BenchReport['endToEnd'];
  if (config.BENCH_TARGETS.includes(END_TO_END)) {
    try {
      endToEnd = await runEndToEnd({
        durationSeconds: config.BENCH_E2E_DURATION,
        warmupSeconds: config.BENCH_WARMUP,
        concurrency: config.BENCH_E2E_CONCURRENCY,
        rate: config.BENCH_E2E_RATE,
        customers: config.BENCH_E2E_CUSTOMERS,
        gatewayWorkers: config.BENCH_E2E_GATEWAY_WORKERS,
        gatewayUrl: config.GATEWAY_URL,
        adminEmail: config.ADMIN_EMAIL,
        adminPassword: config.ADMIN_PASSWORD,
        dataDir: config.DATA_DIR,
        amqpUrl: config.AMQP_URL,
        cpuProfileDir: config.BENCH_CPU_PROF,
        idleSeconds: config.BENCH_E2E_IDLE_SECONDS,
        nodeArgs: config.BENCH_NODE_ARGS?.split(/\s+/).filter((arg) => arg !== '') ?? [],
        say: (line) => process.stdout.write(`${line}\n`),
      });
    } catch (error) {
      endToEnd = { skipped: `failed: ${(error as Error).message.split('\n')[0] ?? ''}` };
    }
    if ('skipped' in endToEnd) process.stdout.write(`e2e: skipped, ${endToEnd.skipped}\n`);
  }

  let productCache: ProductCacheResult | undefined;
  if (config.BENCH_TARGETS.includes(PRODUCT_CACHE)) {
    productCache = await runProductCacheBench({
      repoRoot,
      durationSeconds: config.BENCH_DURATION,
      warmupSeconds: config.BENCH_WARMUP,
      connections: config.BENCH_MODERATE_CONNECTIONS,
      say: (line) => process.stdout.write(`${line}\n`),
    });
  }

  const micro = [];
  if (!config.BENCH_SKIP_MICRO) {
    process.stdout.write('micro-benchmarks: jsonwebtoken verify, access log lines\n');
    micro.push(...jwtVerifyBenchmarks(1000), ...(await accessLogBenchmarks(20_000)));
  }

  const comparison = compareRounds(targets);
  if (targets.some((target) => target.name === 'gateway-workers'))
    comparison.workers = config.BENCH_GATEWAY_WORKERS;
  const cpuList = cpus();
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    },
    settings: {
      durationSeconds: config.BENCH_DURATION,
      rounds: config.BENCH_ROUNDS,
      warmupSeconds: config.BENCH_WARMUP,
      connections: config.BENCH_CONNECTIONS,
      moderateRate: config.BENCH_MODERATE_RATE,
      moderateConnections: config.BENCH_MODERATE_CONNECTIONS,
      endToEnd: {
        durationSeconds: config.BENCH_E2E_DURATION,
        concurrency: config.BENCH_E2E_CONCURRENCY,
        rate: config.BENCH_E2E_RATE,
        customers: config.BENCH_E2E_CUSTOMERS,
        gatewayWorkers: config.BENCH_E2E_GATEWAY_WORKERS,
        idleSeconds: config.BENCH_E2E_IDLE_SECONDS,
        nodeArgs: config.BENCH_NODE_ARGS ?? '',
      },
    },
    targets,
    comparison,
    ...(endToEnd !== undefined && { endToEnd }),
    ...(productCache !== undefined && { productCache }),
    aims: [
      ...(wanted.length > 0 ? aims(comparison) : []),
      ...(endToEnd !== undefined && !('skipped' in endToEnd) ? endToEndAims(endToEnd) : []),
    ],
    micro,
  };
  const out = config.BENCH_RESULTS ?? join(benchRoot, 'results', 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const productCacheText = productCache === undefined ? '' : `\n\n${formatProductCache(productCache)}`;
  process.stdout.write(`\n${formatReport(report)}${productCacheText}\n\nresults: ${out}\n`);
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
