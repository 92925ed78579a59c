import { describe, expect, test } from 'vitest';
import { Pacer, type PacerClock } from '../src/pacer.js';

/** A clock that only moves when a sleeper waits: slot times are then exact. */
function virtualClock(): PacerClock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms, signal) => {
      if (signal.aborted) return Promise.reject(new Error('aborted'));
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('Pacer', () => {
  test('When many callers ask at once, then their slots are 1000/rate ms apart', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(50, clock);
    const signal = new AbortController().signal;
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      expect(await pacer.slot(signal)).toBe(true);
      times.push(clock.now());
    }

    expect(times).toEqual([0, 20, 40, 60, 80]);
  });

  test('When nobody asked for a while, then the unused time is not banked into a burst', async () => {
    let now = 0;
    const clock: PacerClock = {
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    };
    const pacer = new Pacer(10, clock);
    const signal = new AbortController().signal;
    await pacer.slot(signal);
    now = 5000;
    await pacer.slot(signal);
    const before = now;
    await pacer.slot(signal);

    expect(now - before).toBe(100);
  });

  test('When the run stops, then a waiting caller gets no slot and sends nothing', async () => {
    const controller = new AbortController();
    const pacer = new Pacer(1, virtualClock());
    await pacer.slot(controller.signal);
    controller.abort();

    expect(await pacer.slot(controller.signal)).toBe(false);
  });
});
