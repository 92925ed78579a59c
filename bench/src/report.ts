import type { LatencySummary } from '@shop/load-generator';
import { formatEndToEnd, type EndToEndResult } from './e2e/e2e-report.js';
import { formatTable } from '@shop/platform/tools';
import type { ProductCacheResult } from './product-cache/product-cache-bench.js';
import { median } from './stats.js';

export type TargetName =
  | 'direct'
  | 'bare-proxy'
  | 'koa-proxy'
  | 'gateway'
  | 'gateway-baseline'
  | 'gateway-no-tracing'
  | 'gateway-traced'
  | 'gateway-workers';

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: '(a) direct to upstream',
  'bare-proxy': '(b) node:http + undici Pool proxy',
  'koa-proxy': '(c) Koa + router + undici',
  gateway: '(d) api-gateway (full stack)',
  'gateway-baseline': '(d0) api-gateway, baseline build',
  'gateway-no-tracing': '(d4) api-gateway, no tracing code',
  'gateway-traced': '(d3) api-gateway, tracing on',
  'gateway-workers': '(d2) api-gateway, N workers',
};

export interface LoadFigures extends LatencySummary {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU time of the target process per answered request (µs); steadier than req/s on a shared machine. */
  cpuMicrosPerRequest?: number;
}

export type TargetResult =
  | {
      name: TargetName;
      /** Measured in rounds: the median of each figure over the runs (see rounds.ts). */
      saturation: LoadFigures;
      moderate: LoadFigures;
      /** Each run, in round order. */
      rounds?: { saturation: LoadFigures[]; moderate: LoadFigures[] };
    }
  | { name: TargetName; skipped: string };

export interface MicroResult {
  name: string;
  variant: string;
  operations: number;
  microsPerOp: number;
}

export interface LatencyDelta {
  p50Ms: number;
  p99Ms: number;
}

export interface Comparison {
  /** Throughput ratios at saturation; undefined when a side was skipped. */
  gatewayToBare?: number;
  koaToBare?: number;
  bareToDirect?: number;
  /** Latency the gateway adds over the bare proxy. */
  gatewayAddedAtSaturation?: LatencyDelta;
  gatewayAddedAtModerate?: LatencyDelta;
  koaAddedAtModerate?: LatencyDelta;
  /** CPU µs per request of the target process at saturation: gateway and bare proxy. */
  gatewayCpuMicros?: number;
  bareCpuMicros?: number;
  koaCpuMicros?: number;
  /** The gateway's CPU per request at saturation over the Koa pass-through's. */
  gatewayCpuToKoa?: number;
  /** CPU per request at saturation over the bare proxy's: the Koa pass-through's, the gateway's. */
  koaCpuToBare?: number;
  gatewayCpuToBare?: number;
  /** (d) over (d0), another build of the gateway (BENCH_GATEWAY_BASELINE): throughput and CPU per request. */
  gatewayToBaseline?: number;
  gatewayCpuToBaseline?: number;
  /** The gateway's main.js with GATEWAY_WORKERS=N over the one-process gateway: req/s at saturation. */
  workersToOneWorker?: number;
  /** N of the workers run (d2). */
  workers?: number;
  /** (d3) over (d): the gateway with OpenTelemetry tracing on over the same gateway with it off. */
  tracedToUntraced?: number;
  tracedCpuToUntraced?: number;
  /** (d) over (d4): the gateway with tracing off over the same gateway with the tracing code stubbed out. */
  offToNoTracing?: number;
  offCpuToNoTracing?: number;
  /**
   * With targets measured in rounds (rounds.ts): how many, each round's own comparison, and the smallest and
   * largest round of each figure above (`gatewayToBare`, `gatewayAddedAtModerate.p99Ms`, ...). The figures
   * above are then the medians over the rounds.
   */
  rounds?: number;
  perRound?: Comparison[];
  spread?: Record<string, { min: number; max: number }>;
}

/** The aims of docs/architecture.md#performance, reported (never asserted): where the measured figures stand against them. */
export interface Aim {
  name: string;
  aim: string;
  measured: string;
  met: boolean | undefined;
}

export interface BenchReport {
  startedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    /** 1, 5 and 15 minute load averages when the run started and ended: how shared the machine was. */
    loadAverage?: { atStart: number[]; atEnd: number[] };
  };
  settings: {
    durationSeconds: number;
    /** Rounds of the proxy targets: each target runs once per round (absent: one run each). */
    rounds?: number;
    warmupSeconds: number;
    connections: number;
    moderateRate: number;
    moderateConnections: number;
    endToEnd?: {
      durationSeconds: number;
      concurrency: number;
      rate: number;
      customers: number;
      gatewayWorkers: number;
      idleSeconds: number;
      nodeArgs: string;
    };
  };
  targets: TargetResult[];
  comparison: Comparison;
  /** The end-to-end target: the platform's seven processes through the gateway (or why it was skipped). */
  endToEnd?: EndToEndResult | { skipped: string };
  /** Target product-cache: inventory-service product reads, cold against warm (product-cache-bench.ts). */
  productCache?: ProductCacheResult;
  aims: Aim[];
  micro: MicroResult[];
}

function measured(targets: readonly TargetResult[], name: TargetName) {
  const found = targets.find((t) => t.name === name);
  return found && 'saturation' in found ? found : undefined;
}

function delta(a: LatencySummary, b: LatencySummary): LatencyDelta {
  return { p50Ms: a.p50Ms - b.p50Ms, p99Ms: a.p99Ms - b.p99Ms };
}

function ratio(a: number, b: number): number | undefined {
  return b > 0 ? a / b : undefined;
}

type Measured = NonNullable<ReturnType<typeof measured>>;

/** a's saturation req/s over b's. */
function throughputRatio(a: Measured, b: Measured): number | undefined {
  return ratio(a.saturation.requestsPerSecond, b.saturation.requestsPerSecond);
}

/**
 * a's saturation req/s over b's; for targets measured in the same rounds, the median of each round's ratio
 * (the runs of one round were taken moments apart), as compareRounds() does for the comparison.
 */
function pairedThroughputRatio(a: Measured, b: Measured): number | undefined {
  const aRuns = a.rounds?.saturation;
  const bRuns = b.rounds?.saturation;
  if (aRuns === undefined || bRuns === undefined || aRuns.length !== bRuns.length || aRuns.length === 0) {
    return throughputRatio(a, b);
  }
  return median(
    aRuns.map((run, index) => run.requestsPerSecond / (bRuns[index] as LoadFigures).requestsPerSecond),
  );
}

/** a's CPU per request at saturation over b's, when both were measured. */
function cpuRatio(a: Measured, b: Measured): number | undefined {
  const aCpu = a.saturation.cpuMicrosPerRequest;
  const bCpu = b.saturation.cpuMicrosPerRequest;
  return aCpu === undefined || bCpu === undefined ? undefined : ratio(aCpu, bCpu);
}

export function compare(targets: readonly TargetResult[]): Comparison {
  const direct = measured(targets, 'direct');
  const bare = measured(targets, 'bare-proxy');
  const koa = measured(targets, 'koa-proxy');
  const gateway = measured(targets, 'gateway');
  const comparison: Comparison = {};
  if (bare && gateway) {
    comparison.gatewayToBare = throughputRatio(gateway, bare);
    comparison.gatewayAddedAtSaturation = delta(gateway.saturation, bare.saturation);
    comparison.gatewayAddedAtModerate = delta(gateway.moderate, bare.moderate);
    comparison.gatewayCpuMicros = gateway.saturation.cpuMicrosPerRequest;
    comparison.bareCpuMicros = bare.saturation.cpuMicrosPerRequest;
    comparison.gatewayCpuToBare = cpuRatio(gateway, bare);
  }
  if (koa && gateway) {
    comparison.koaCpuMicros = koa.saturation.cpuMicrosPerRequest;
    comparison.gatewayCpuToKoa = cpuRatio(gateway, koa);
  }
  const traced = measured(targets, 'gateway-traced');
  if (traced && gateway) {
    comparison.tracedToUntraced = throughputRatio(traced, gateway);
    comparison.tracedCpuToUntraced = cpuRatio(traced, gateway);
  }
  const baseline = measured(targets, 'gateway-baseline');
  if (baseline && gateway) {
    comparison.gatewayToBaseline = throughputRatio(gateway, baseline);
    comparison.gatewayCpuToBaseline = cpuRatio(gateway, baseline);
  }
  const noTracing = measured(targets, 'gateway-no-tracing');
  if (noTracing && gateway) {
    comparison.offToNoTracing = throughputRatio(gateway, noTracing);
    comparison.offCpuToNoTracing = cpuRatio(gateway, noTracing);
  }
  const workers = measured(targets, 'gateway-workers');
  if (workers && gateway) comparison.workersToOneWorker = throughputRatio(workers, gateway);
  if (bare && koa) {
    comparison.koaToBare = throughputRatio(koa, bare);
    comparison.koaCpuToBare = cpuRatio(koa, bare);
    comparison.koaAddedAtModerate = delta(koa.moderate, bare.moderate);
  }
  if (bare && direct) {
    comparison.bareToDirect = throughputRatio(bare, direct);
  }
  return comparison;
}

const loadFigures = (values: readonly number[]) => values.map((value) => value.toFixed(1)).join(' / ');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const signedMs = (value: number) => (value >= 0 ? '+' : '') + value.toFixed(2);
const micros = (value: number | undefined) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(0) : 'n/a';

/** Issue 11's aims for the gateway's full chain, side by side in one run. */
const GATEWAY_AIMS = { toBare: 0.6, cpuToKoa: 1.35, addedP50Ms: 0.4, addedP99Ms: 1 } as const;

/**
 * Judged on the medians when the targets ran in rounds; `measured` then shows the smallest and largest
 * round too, e.g. `0.62 (0.55-0.66)`.
 */
export function aims(comparison: Comparison): Aim[] {
  const throughput = comparison.gatewayToBare;
  const cpu = comparison.gatewayCpuToKoa;
  const added = comparison.gatewayAddedAtModerate;
  const spread = (key: string, format: (value: number) => string) => {
    const range = comparison.spread?.[key];
    return range === undefined ? '' : ` (${format(range.min)} to ${format(range.max)})`;
  };
  const times = (value: number) => value.toFixed(2);
  const signed = (value: number) => `${signedMs(value)} ms`;
  return [
    {
      name: 'gateway throughput / bare proxy',
      aim: `>= ${GATEWAY_AIMS.toBare}`,
      measured: throughput === undefined ? 'n/a' : `${times(throughput)}${spread('gatewayToBare', times)}`,
      met: throughput === undefined ? undefined : throughput >= GATEWAY_AIMS.toBare,
    },
    {
      name: 'gateway CPU per request / Koa pass-through',
      aim: `<= ${GATEWAY_AIMS.cpuToKoa}`,
      measured: cpu === undefined ? 'n/a' : `${times(cpu)}${spread('gatewayCpuToKoa', times)}`,
      met: cpu === undefined ? undefined : cpu <= GATEWAY_AIMS.cpuToKoa,
    },
    {
      name: 'gateway added p50 (moderate load)',
      aim: '<= 0.40 ms',
      measured: added ? `${signed(added.p50Ms)}${spread('gatewayAddedAtModerate.p50Ms', signed)}` : 'n/a',
      met: added ? added.p50Ms <= GATEWAY_AIMS.addedP50Ms : undefined,
    },
    {
      name: 'gateway added p99 (moderate load)',
      aim: '<= 1.00 ms',
      measured: added ? `${signed(added.p99Ms)}${spread('gatewayAddedAtModerate.p99Ms', signed)}` : 'n/a',
      met: added ? added.p99Ms <= GATEWAY_AIMS.addedP99Ms : undefined,
    },
  ];
}

export function formatReport(report: BenchReport): string {
  const bare = measured(report.targets, 'bare-proxy');
  const sections: string[] = [];
  const s = report.settings;
  const load = report.machine.loadAverage;
  sections.push(
    `Benchmarks on ${report.machine.cpus} CPU(s) ${report.machine.cpuModel}, Node ${report.machine.node}` +
      (report.targets.length === 0
        ? ''
        : `; ${s.rounds === undefined ? '' : `${s.rounds} rounds, `}${s.connections} connections, ${s.durationSeconds} s each after ${s.warmupSeconds} s warm-up; ` +
          `moderate load ${s.moderateRate} req/s over ${s.moderateConnections} connections`) +
      (load === undefined
        ? ''
        : `; load average ${loadFigures(load.atStart)} at the start, ${loadFigures(load.atEnd)} at the end`),
  );
  if (report.targets.length > 0) {
    sections.push(
      formatTable(
        [
          'target',
          'req/s',
          'vs bare',
          'p50 ms',
          'p99 ms',
          'non-2xx',
          'errors',
          'mod p50',
          'mod p99',
          'cpu µs/req',
          'mod cpu µs/req',
        ],
        report.targets.map((target) => {
          const label =
            target.name === 'gateway-workers' && report.comparison.workers !== undefined
              ? TARGET_LABELS[target.name].replace('N workers', `${report.comparison.workers} workers`)
              : TARGET_LABELS[target.name];
          if ('skipped' in target) return [label, 'skipped', '-', '-', '-', '-', '-', '-', '-', '-', '-'];
          const vsBare = bare ? pairedThroughputRatio(target, bare) : undefined;
          return [
            label,
            target.saturation.requestsPerSecond.toFixed(0),
            vsBare === undefined ? 'n/a' : vsBare.toFixed(2),
            ms(target.saturation.p50Ms),
            ms(target.saturation.p99Ms),
            String(target.saturation.non2xx + target.moderate.non2xx),
            String(target.saturation.errors + target.moderate.errors),
            ms(target.moderate.p50Ms),
            ms(target.moderate.p99Ms),
            micros(target.saturation.cpuMicrosPerRequest),
            micros(target.moderate.cpuMicrosPerRequest),
          ];
        }),
      ),
    );
  }
  const c = report.comparison;
  const lines: string[] = [];
  for (const target of report.targets) {
    if ('skipped' in target) lines.push(`${TARGET_LABELS[target.name]} skipped: ${target.skipped}`);
  }
  if (c.rounds !== undefined) {
    lines.push(
      `Medians of ${c.rounds} rounds (each target once per round, in turn); in brackets the lowest and highest round:`,
    );
  }
  // A ratio or difference, with its spread over the rounds when there is one.
  const figure = (value: number, key: string, format: (value: number) => string) => {
    const range = c.spread?.[key];
    return range === undefined
      ? format(value)
      : `${format(value)} (${format(range.min)} to ${format(range.max)})`;
  };
  const times = (value: number) => value.toFixed(2);
  const plain = (value: number) => micros(value);
  if (c.gatewayToBare !== undefined)
    lines.push(`gateway / bare proxy throughput: ${figure(c.gatewayToBare, 'gatewayToBare', times)}`);
  if (c.koaToBare !== undefined)
    lines.push(`koa / bare proxy throughput:     ${figure(c.koaToBare, 'koaToBare', times)}`);
  if (c.bareToDirect !== undefined)
    lines.push(`bare proxy / direct throughput:  ${figure(c.bareToDirect, 'bareToDirect', times)}`);
  const added = (
    label: string,
    key: 'gatewayAddedAtModerate' | 'gatewayAddedAtSaturation' | 'koaAddedAtModerate',
  ) => {
    const delta = c[key];
    if (delta === undefined) return;
    lines.push(
      `${label} p50 ${figure(delta.p50Ms, `${key}.p50Ms`, signedMs)} ms, ` +
        `p99 ${figure(delta.p99Ms, `${key}.p99Ms`, signedMs)} ms`,
    );
  };
  added('gateway added latency vs bare proxy, moderate load:', 'gatewayAddedAtModerate');
  added('gateway added latency vs bare proxy, saturation:   ', 'gatewayAddedAtSaturation');
  added('koa added latency vs bare proxy, moderate load:    ', 'koaAddedAtModerate');
  if (c.gatewayCpuMicros !== undefined && c.bareCpuMicros !== undefined) {
    lines.push(
      `CPU per request (target process, saturation): gateway ${figure(c.gatewayCpuMicros, 'gatewayCpuMicros', plain)} µs, ` +
        `bare proxy ${figure(c.bareCpuMicros, 'bareCpuMicros', plain)} µs` +
        (c.koaCpuMicros === undefined
          ? ''
          : `, Koa pass-through ${figure(c.koaCpuMicros, 'koaCpuMicros', plain)} µs`),
    );
  }
  if (c.gatewayCpuToKoa !== undefined) {
    lines.push(
      `CPU per request, gateway / Koa pass-through: ${figure(c.gatewayCpuToKoa, 'gatewayCpuToKoa', times)}` +
        (c.koaCpuToBare === undefined
          ? ''
          : `; Koa pass-through / bare proxy: ${figure(c.koaCpuToBare, 'koaCpuToBare', times)}`),
    );
  }
  if (c.tracedToUntraced !== undefined) {
    lines.push(
      `gateway tracing on / off, throughput: ${figure(c.tracedToUntraced, 'tracedToUntraced', times)}` +
        (c.tracedCpuToUntraced === undefined
          ? ''
          : `, CPU per request: ${figure(c.tracedCpuToUntraced, 'tracedCpuToUntraced', times)}`),
    );
  }
  if (c.gatewayToBaseline !== undefined) {
    lines.push(
      `gateway / baseline build, throughput: ${figure(c.gatewayToBaseline, 'gatewayToBaseline', times)}` +
        (c.gatewayCpuToBaseline === undefined
          ? ''
          : `, CPU per request: ${figure(c.gatewayCpuToBaseline, 'gatewayCpuToBaseline', times)}`),
    );
  }
  if (c.offToNoTracing !== undefined) {
    lines.push(
      `gateway tracing off / no tracing code, throughput: ${figure(c.offToNoTracing, 'offToNoTracing', times)}` +
        (c.offCpuToNoTracing === undefined
          ? ''
          : `, CPU per request: ${figure(c.offCpuToNoTracing, 'offCpuToNoTracing', times)}`),
    );
  }
  if (c.workersToOneWorker !== undefined) {
    lines.push(
      `gateway with ${c.workers ?? 'N'} workers / one process, throughput: ${figure(c.workersToOneWorker, 'workersToOneWorker', times)} ` +
        '(the load generator shares the same cores)',
    );
  }
  if (lines.length) sections.push(lines.join('\n'));
  if (report.endToEnd !== undefined) {
    sections.push(
      'skipped' in report.endToEnd
        ? `(e) end to end skipped: ${report.endToEnd.skipped}`
        : formatEndToEnd(report.endToEnd),
    );
  }
  sections.push(
    report.aims.length === 0
      ? 'aims: none measured in this run (every target that reports one was skipped or not chosen)'
      : formatTable(
          ['aim', 'target', 'measured', 'status'],
          report.aims.map((a) => [
            a.name,
            a.aim,
            a.measured,
            a.met === undefined ? 'n/a' : a.met ? 'met' : 'NOT met',
          ]),
        ),
  );
  if (report.micro.length) {
    sections.push(
      formatTable(
        ['micro-benchmark', 'variant', 'ops', 'µs/op'],
        report.micro.map((m) => [m.name, m.variant, String(m.operations), m.microsPerOp.toFixed(2)]),
      ),
    );
  }
  return sections.join('\n\n');
}
