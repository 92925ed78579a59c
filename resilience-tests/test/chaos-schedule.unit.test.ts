import { DATA_SERVICES } from '@shop/platform/contracts';
import { describe, expect, test } from 'vitest';
import {
  AGGREGATE_OWNERS,
  chaosSchedule,
  formatSchedule,
  OWNER_GAP_MS,
  SERVICE_GAP_MS,
  type ScheduleOptions,
} from '../src/chaos/schedule.js';

const options = (seed: number, extra: Partial<ScheduleOptions> = {}): ScheduleOptions => ({
  seed,
  durationMs: 120_000,
  services: DATA_SERVICES,
  brokerOutages: true,
  ...extra,
});

describe('chaos schedule', () => {
  test('When the same seed is given twice, then the schedule is the same fault for fault', () => {
    const first = chaosSchedule(options(42));
    expect(first.length).toBeGreaterThan(10);
    expect(chaosSchedule(options(42))).toEqual(first);
    expect(formatSchedule(chaosSchedule(options(42)))).toEqual(formatSchedule(first));
  });

  test('When the seed differs, then the schedule differs', () => {
    const first = chaosSchedule(options(42));
    for (const seed of [43, 1, 4_294_967_295]) {
      expect(chaosSchedule(options(seed))).not.toEqual(first);
    }
  });

  test('When a schedule is drawn, then every fault fits the phase and no two overlap on one service', () => {
    for (const seed of [1, 2, 3, 42, 1000]) {
      const faults = chaosSchedule(options(seed));
      const kinds = new Set(faults.map((fault) => fault.kind));
      expect(kinds.size).toBeGreaterThanOrEqual(4);
      let ownersFreeAt = 0;
      const freeAt = new Map<string, number>();
      for (const fault of faults) {
        expect(fault.atMs).toBeGreaterThanOrEqual(1000);
        expect(fault.atMs + fault.durationMs).toBeLessThanOrEqual(120_000);
        expect(fault.atMs).toBeGreaterThanOrEqual(freeAt.get(fault.target) ?? 0);
        freeAt.set(fault.target, fault.atMs + fault.durationMs + SERVICE_GAP_MS);
        if (AGGREGATE_OWNERS.includes(fault.target)) {
          expect(fault.atMs).toBeGreaterThanOrEqual(ownersFreeAt);
          ownersFreeAt = fault.atMs + fault.durationMs + OWNER_GAP_MS;
        }
        if (fault.kind === 'latency') expect(fault.latencyMs).toBeGreaterThan(0);
        if (fault.kind === 'errors') expect(fault.errorRate).toBeGreaterThan(0);
        expect(fault.target === 'event-bus').toBe(fault.kind === 'broker-outage');
      }
    }
  });

  test('When broker outages are not possible (embedded bus), then none is scheduled', () => {
    for (const seed of [1, 42, 7]) {
      const faults = chaosSchedule(options(seed, { brokerOutages: false }));
      expect(faults.some((fault) => fault.kind === 'broker-outage')).toBe(false);
    }
  });

  test('When the phase is short, then the schedule stays inside it', () => {
    const faults = chaosSchedule(options(42, { durationMs: 15_000 }));
    expect(faults.length).toBeGreaterThan(0);
    for (const fault of faults) expect(fault.atMs + fault.durationMs).toBeLessThanOrEqual(15_000);
    expect(chaosSchedule(options(42, { durationMs: 2_000 }))).toEqual([]);
  });
});
