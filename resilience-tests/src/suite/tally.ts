import { errorCode, type Reply } from './http.js';

export interface TallySummary {
  requests: number;
  /** e.g. {"201": 4, "503 dependency_unavailable": 10, "network ECONNREFUSED": 1} */
  breakdown: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of ascending-sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Outcome key of one reply: its status, plus the error code for errors, or the network failure. */
export function outcomeOf(reply: Reply): string {
  if (reply.status === 0) return `network ${reply.error ?? 'error'}`;
  const code = reply.status >= 400 ? errorCode(reply) : undefined;
  return code ? `${reply.status} ${code}` : String(reply.status);
}

/** Collects replies of one phase and summarises them (counts by outcome, latency percentiles). */
export class Tally {
  readonly replies: Reply[] = [];

  add(reply: Reply): Reply {
    this.replies.push(reply);
    return reply;
  }

  count(predicate: (reply: Reply) => boolean): number {
    return this.replies.filter(predicate).length;
  }

  summary(filter: (reply: Reply) => boolean = () => true): TallySummary {
    const chosen = this.replies.filter(filter);
    const breakdown: Record<string, number> = {};
    for (const reply of chosen) {
      const key = outcomeOf(reply);
      breakdown[key] = (breakdown[key] ?? 0) + 1;
    }
    const latencies = chosen.map((r) => r.ms).sort((a, b) => a - b);
    return {
      requests: chosen.length,
      breakdown,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    };
  }
}
