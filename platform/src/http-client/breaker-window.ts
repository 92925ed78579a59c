/**
 * The rolling statistics that decide when a closed breaker opens: calls that reached the upstream, by
 * success and failure, over `windowMs` in `buckets` buckets.
 *
 * Why not opossum's own: it divides failures by every `fire()`, calls it rejected while open included. After
 * an open period with traffic the window is full of rejections that count like successes, so a breaker
 * that just closed on one lucky probe needed several times more failures to open again, while the calls
 * got through to a service that was still down. Here only calls that were made count (as in Hystrix,
 * which leaves short-circuited calls out), and the window starts empty when the breaker closes.
 */
export class BreakerWindow {
  private readonly bucketMs: number;
  private readonly successes: Float64Array;
  private readonly failures: Float64Array;
  /** The time slot (Math.floor(now / bucketMs)) each bucket currently holds. */
  private readonly slots: Float64Array;

  constructor(
    windowMs: number,
    private readonly buckets = 10,
  ) {
    this.bucketMs = Math.max(1, windowMs / buckets);
    this.successes = new Float64Array(buckets);
    this.failures = new Float64Array(buckets);
    this.slots = new Float64Array(buckets).fill(-1);
  }

  recordSuccess(now = Date.now()): void {
    const index = this.bucketAt(now);
    this.successes[index] = (this.successes[index] ?? 0) + 1;
  }

  recordFailure(now = Date.now()): void {
    const index = this.bucketAt(now);
    this.failures[index] = (this.failures[index] ?? 0) + 1;
  }

  /** True when at least `volume` calls were made in the window and more than `percentage` % failed. */
  exceeds(percentage: number, volume: number, now = Date.now()): boolean {
    const oldest = Math.floor(now / this.bucketMs) - this.buckets + 1;
    let successes = 0;
    let failures = 0;
    for (let index = 0; index < this.buckets; index++) {
      if ((this.slots[index] ?? -1) < oldest) continue;
      successes += this.successes[index] ?? 0;
      failures += this.failures[index] ?? 0;
    }
    const calls = successes + failures;
    return calls >= volume && failures * 100 > percentage * calls;
  }

  reset(): void {
    this.slots.fill(-1);
    this.successes.fill(0);
    this.failures.fill(0);
  }

  private bucketAt(now: number): number {
    const slot = Math.floor(now / this.bucketMs);
    const index = slot % this.buckets;
    if (this.slots[index] !== slot) {
      this.slots[index] = slot;
      this.successes[index] = 0;
      this.failures[index] = 0;
    }
    return index;
  }
}
