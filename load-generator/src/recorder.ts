import { outcomeKey, type Reply } from './gateway-client.js';
import { percentile, SampleList, sortedSamples } from './latency.js';
import type { SharedBudget } from './budgets.js';

/** Things users did, counted from the answers that prove them. */
export const OUTCOMES = [
  'ordersConfirmed',
  'ordersPending',
  'ordersDeclined',
  'ordersCancelled',
  'customersRegistered',
  'logins',
  'logouts',
  'tokenRefreshes',
  'productsViewed',
  'notificationsRead',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

export interface ErrorTally {
  count: number;
  /** A correlation ID of one such answer, for `npm run trace`. */
  example: string | undefined;
}

export interface StepFigures {
  step: string;
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FlowTally {
  completed: number;
  /** Flows in which some answer was not one the flow expects. */
  failed: number;
  /** Not started because the target's shared budget would have refused them. */
  heldBack: number;
}

export interface WindowFigures {
  requests: number;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

interface StepSamples {
  latencies: SampleList;
  count: number;
  errors: number;
}

const WINDOW_MS = 10_000;

/**
 * Everything a run observed: each answer's latency by step (`POST /api/orders`), unexpected answers by
 * status and error code with one correlation ID each, flows by kind, and what users achieved. The last ten
 * seconds are kept apart for the live progress line.
 */
export class Recorder {
  readonly startedAt: number;
  private readonly steps = new Map<string, StepSamples>();
  private readonly all = new SampleList();
  private readonly statuses = new Map<string, number>();
  private readonly errorTallies = new Map<string, ErrorTally>();
  private readonly flowTallies = new Map<string, FlowTally>();
  private readonly outcomes = new Map<Outcome, number>();
  private readonly heldBackBy = new Map<SharedBudget, number>();
  private recent: { at: number; ms: number; error: boolean }[] = [];
  private errorCount = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** One answer; `expected` says whether the flow counts it as the right answer (a 402 on a declined card is). */
  request(step: string, reply: Reply, expected: boolean): void {
    let samples = this.steps.get(step);
    if (samples === undefined) {
      samples = { latencies: new SampleList(), count: 0, errors: 0 };
      this.steps.set(step, samples);
    }
    samples.count += 1;
    const key = outcomeKey(reply);
    const status = reply.status === 0 ? key : String(reply.status);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    // A request that got no answer has no latency worth averaging in.
    if (reply.status !== 0) {
      samples.latencies.push(reply.ms);
      this.all.push(reply.ms);
    }
    if (!expected) {
      samples.errors += 1;
      this.errorCount += 1;
      const tally = this.errorTallies.get(key) ?? { count: 0, example: undefined };
      tally.count += 1;
      tally.example ??= reply.correlationId;
      this.errorTallies.set(key, tally);
    }
    const at = this.now();
    this.recent.push({ at, ms: reply.ms, error: !expected });
    if (this.recent.length > 4096 && (this.recent[0]?.at ?? at) < at - WINDOW_MS) this.trimWindow(at);
  }

  flow(kind: string, result: 'completed' | 'failed'): void {
    const tally = this.tallyOf(kind);
    if (result === 'completed') tally.completed += 1;
    else tally.failed += 1;
  }

  heldBack(kind: string, budget: SharedBudget): void {
    this.tallyOf(kind).heldBack += 1;
    this.heldBackBy.set(budget, (this.heldBackBy.get(budget) ?? 0) + 1);
  }

  count(outcome: Outcome, by = 1): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + by);
  }

  private tallyOf(kind: string): FlowTally {
    let tally = this.flowTallies.get(kind);
    if (tally === undefined) {
      tally = { completed: 0, failed: 0, heldBack: 0 };
      this.flowTallies.set(kind, tally);
    }
    return tally;
  }

  private trimWindow(at: number): void {
    const from = this.recent.findIndex((entry) => entry.at >= at - WINDOW_MS);
    this.recent = from < 0 ? [] : this.recent.slice(from);
  }

  /** The last ten seconds (or less, early in the run): what the progress line shows. */
  window(): WindowFigures {
    const at = this.now();
    this.trimWindow(at);
    const span = Math.min(WINDOW_MS, Math.max(1, at - this.startedAt));
    const sorted = sortedSamples(this.recent.map((entry) => entry.ms));
    return {
      requests: this.recent.length,
      ratePerSecond: (this.recent.length * 1000) / span,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      errors: this.recent.filter((entry) => entry.error).length,
    };
  }

  get requests(): number {
    let total = 0;
    for (const count of this.statuses.values()) total += count;
    return total;
  }

  get errors(): number {
    return this.errorCount;
  }

  /** Unexpected answers by `status code` (or transport error), most frequent first. */
  errorsByCode(): [string, ErrorTally][] {
    return [...this.errorTallies.entries()].sort((a, b) => b[1].count - a[1].count);
  }

  statusCounts(): Record<string, number> {
    return Object.fromEntries([...this.statuses.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  latencies(): Float64Array {
    return sortedSamples(this.all.values());
  }

  stepFigures(): StepFigures[] {
    return [...this.steps.entries()]
      .map(([step, samples]) => {
        const sorted = sortedSamples(samples.latencies.values());
        return {
          step,
          count: samples.count,
          errors: samples.errors,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
        };
      })
      .sort((a, b) => b.count - a.count);
  }

  flows(): Record<string, FlowTally> {
    return Object.fromEntries(this.flowTallies.entries());
  }

  outcomeCounts(): Record<Outcome, number> {
    return Object.fromEntries(OUTCOMES.map((name) => [name, this.outcomes.get(name) ?? 0])) as Record<
      Outcome,
      number
    >;
  }

  heldBackCounts(): Partial<Record<SharedBudget, number>> {
    return Object.fromEntries(this.heldBackBy.entries());
  }
}
