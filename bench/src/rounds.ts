import type { Comparison, LatencyDelta, LoadFigures, TargetName, TargetResult } from './report.js';
import { compare } from './report.js';
import { median, spreadOf, type Spread } from './stats.js';

/**
 * The proxy targets are measured in rounds: every round runs each target once (saturation, then moderate
 * load), so a ratio between two targets compares runs taken a few seconds apart, under the same weather on
 * a shared machine. A target's figures are the medians of its runs; a ratio is the median of the ratios of
 * each round (paired), with the smallest and largest round beside it.
 */

/**
 * One target's runs of one kind (saturation or moderate) as one set of figures: the median of each
 * rate, latency and CPU figure over the runs (the largest `maxMs`), and the counts added up.
 */
export function summarizeRuns(runs: readonly LoadFigures[]): LoadFigures {
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const sum = (pick: (run: LoadFigures) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const cpu = runs.map((run) => run.cpuMicrosPerRequest);
  const summary: LoadFigures = {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    meanMs: median(runs.map((run) => run.meanMs)),
    maxMs: runs.length === 0 ? Number.NaN : Math.max(...runs.map((run) => run.maxMs)),
    requests: sum((run) => run.requests),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    statusCodes,
  };
  if (runs.length > 0 && cpu.every((value) => value !== undefined)) {
    summary.cpuMicrosPerRequest = median(cpu);
  }
  return summary;
}

/** Every run of one target: one saturation and one moderate run per round, in round order. */
export interface TargetRuns {
  saturation: LoadFigures[];
  moderate: LoadFigures[];
}

/** A measured target's result from its runs: the medians, and the runs themselves for the JSON. */
export function targetFromRuns(name: TargetName, runs: TargetRuns): TargetResult {
  return {
    name,
    saturation: summarizeRuns(runs.saturation),
    moderate: summarizeRuns(runs.moderate),
    rounds: runs,
  };
}

/** The targets as they were measured in round `index` (skipped targets as they are). */
export function roundOf(targets: readonly TargetResult[], index: number): TargetResult[] {
  return targets.map((target) => {
    if (!('saturation' in target) || target.rounds === undefined) return target;
    const saturation = target.rounds.saturation[index];
    const moderate = target.rounds.moderate[index];
    if (saturation === undefined || moderate === undefined) return { name: target.name, skipped: 'no run' };
    return { name: target.name, saturation, moderate };
  });
}

type ScalarKey = {
  [K in keyof Comparison]-?: NonNullable<Comparison[K]> extends number ? K : never;
}[keyof Comparison];
type DeltaKey = {
  [K in keyof Comparison]-?: NonNullable<Comparison[K]> extends LatencyDelta ? K : never;
}[keyof Comparison];

const SCALAR_KEYS: readonly Exclude<ScalarKey, 'workers' | 'rounds'>[] = [
  'gatewayToBare',
  'koaToBare',
  'bareToDirect',
  'gatewayCpuMicros',
  'bareCpuMicros',
  'koaCpuMicros',
  'gatewayCpuToKoa',
  'koaCpuToBare',
  'gatewayCpuToBare',
  'workersToOneWorker',
  'gatewayToBaseline',
  'gatewayCpuToBaseline',
  'tracedToUntraced',
  'tracedCpuToUntraced',
  'offToNoTracing',
  'offCpuToNoTracing',
];
const DELTA_KEYS: readonly DeltaKey[] = [
  'gatewayAddedAtSaturation',
  'gatewayAddedAtModerate',
  'koaAddedAtModerate',
];

/**
 * The comparison of targets measured in rounds: each round compared on its own (compare()), then the
 * median of every figure over the rounds, with its spread (`spread['gatewayToBare']`,
 * `spread['gatewayAddedAtModerate.p99Ms']`, ...) and the per-round comparisons.
 */
export function compareRounds(targets: readonly TargetResult[]): Comparison {
  const count = Math.max(
    0,
    ...targets.map((target) => ('saturation' in target ? (target.rounds?.saturation.length ?? 0) : 0)),
  );
  if (count === 0) return compare(targets);
  const perRound = Array.from({ length: count }, (_, index) => compare(roundOf(targets, index)));
  const comparison: Comparison = { rounds: count, perRound, spread: {} };
  const spread = comparison.spread as Record<string, Spread>;
  for (const key of SCALAR_KEYS) {
    const values = perRound.map((round) => round[key]).filter((value) => value !== undefined);
    if (values.length === 0) continue;
    comparison[key] = median(values);
    const range = spreadOf(values);
    if (range !== undefined) spread[key] = range;
  }
  for (const key of DELTA_KEYS) {
    const deltas = perRound.map((round) => round[key]).filter((delta) => delta !== undefined);
    if (deltas.length === 0) continue;
    const p50 = deltas.map((delta) => delta.p50Ms);
    const p99 = deltas.map((delta) => delta.p99Ms);
    comparison[key] = { p50Ms: median(p50), p99Ms: median(p99) };
    const p50Range = spreadOf(p50);
    const p99Range = spreadOf(p99);
    if (p50Range !== undefined) spread[`${key}.p50Ms`] = p50Range;
    if (p99Range !== undefined) spread[`${key}.p99Ms`] = p99Range;
  }
  return comparison;
}
