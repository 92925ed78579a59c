import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * Hands out send slots at most `rate` per second, evenly spaced: no two slots are closer than 1000 / rate
 * ms, whoever asks. Unused time is not banked, so after a pause the next requests do not burst: the rate
 * is an upper bound on what the target sees, at every moment.
 */
export class Pacer {
  private next = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;

  constructor(
    rate: number,
    private readonly clock: PacerClock = realClock,
  ) {
    this.intervalMs = 1000 / rate;
  }

  /** Waits for the caller's slot; false when `signal` aborted first (the caller then sends nothing). */
  async slot(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const now = this.clock.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) {
      try {
        await this.clock.sleep(at - now, signal);
      } catch {
        return false;
      }
    }
    return !signal.aborted;
  }
}
