export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** Percentile by nearest rank on an ascending-sorted array (p in 0..100); NaN without samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Sorts numerically (a copy) for `percentile`. */
export function sortedSamples(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

/** p50, p99, mean and max; NaN for each when there are no samples, never a made-up zero. */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = sortedSamples(samples);
  let total = 0;
  for (const value of sorted) total += value;
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length ? total / sorted.length : Number.NaN,
    maxMs: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/** A growable list of samples in a Float64Array: a long run keeps millions without boxing each number. */
export class SampleList {
  private data = new Float64Array(1024);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  get length(): number {
    return this.size;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }
}
