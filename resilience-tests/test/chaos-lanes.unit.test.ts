import { describe, expect, test } from 'vitest';
import { runFaultsInLanes } from '../src/chaos/lanes.js';
import type { ScheduledFault } from '../src/chaos/schedule.js';

/** A fault whose application the test ends by hand (a restart still waiting for its service to be ready). */
function controlled() {
  const log: string[] = [];
  const pending = new Map<string, () => void>();
  const apply = (fault: ScheduledFault) => {
    const label = `${fault.kind} ${fault.target}`;
    log.push(`start ${label}`);
    return new Promise<void>((resolve) => {
      pending.set(label, () => {
        log.push(`end ${label}`);
        resolve();
      });
    });
  };
  const finish = (label: string) => {
    const end = pending.get(label);
    if (!end) throw new Error(`${label} has not started (log: ${log.join(', ')})`);
    end();
  };
  return { log, apply, finish };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('chaos faults at run time', () => {
  // Seed 8675309 on RabbitMQ under load: `restart inventory-service` (+86.0 s) was still waiting for the new
  // process to be ready when `kill inventory-service` (+89.4 s) came due; the kill hit the starting process
  // and the run failed "inventory-service exited (SIGKILL) before it was ready".
  test('When a restart outlasts the gap to the next fault on its service, then that fault waits for it and the quiet gap', async () => {
    const { log, apply, finish } = controlled();
    const schedule: ScheduledFault[] = [
      { atMs: 0, kind: 'restart', target: 'inventory-service', durationMs: 0 },
      { atMs: 10, kind: 'kill', target: 'inventory-service', durationMs: 1 },
      { atMs: 20, kind: 'latency', target: 'shipping-service', durationMs: 1, latencyMs: 300 },
    ];
    const runs = runFaultsInLanes(schedule, apply, { startedAt: Date.now(), serviceGapMs: 30 });

    // Another service's fault is not held back by the slow restart.
    await until(() => log.includes('start latency shipping-service'));
    expect(log).not.toContain('start kill inventory-service');
    finish('latency shipping-service');

    finish('restart inventory-service');
    await until(() => log.includes('start kill inventory-service'));
    finish('kill inventory-service');
    const [restart, kill, latency] = await Promise.all(runs);

    expect(log).toEqual([
      'start restart inventory-service',
      'start latency shipping-service',
      'end latency shipping-service',
      'end restart inventory-service',
      'start kill inventory-service',
      'end kill inventory-service',
    ]);
    expect(kill?.from).toBeGreaterThanOrEqual((restart?.to ?? Infinity) + 30);
    expect(kill?.lateMs).toBeGreaterThan(0);
    expect(latency?.lateMs).toBe(0);
    expect([restart, kill, latency].every((run) => run?.error === undefined)).toBe(true);
  });

  test('When an owner fault ends late, then the next owner fault keeps the owner gap after its real end', async () => {
    const { log, apply, finish } = controlled();
    const schedule: ScheduledFault[] = [
      { atMs: 0, kind: 'restart', target: 'order-service', durationMs: 0 },
      { atMs: 10, kind: 'pause', target: 'payment-service', durationMs: 1 },
    ];
    const runs = runFaultsInLanes(schedule, apply, { startedAt: Date.now(), ownerGapMs: 40 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toEqual(['start restart order-service']);
    finish('restart order-service');
    await until(() => log.includes('start pause payment-service'));
    finish('pause payment-service');
    const [restart, pause] = await Promise.all(runs);
    expect(pause?.from).toBeGreaterThanOrEqual((restart?.to ?? Infinity) + 40);
  });

  test('When a fault fails, then it is reported and the next fault on its service still runs', async () => {
    const schedule: ScheduledFault[] = [
      { atMs: 0, kind: 'errors', target: 'shipping-service', durationMs: 1, errorRate: 0.5 },
      { atMs: 1, kind: 'pause', target: 'shipping-service', durationMs: 1 },
    ];
    const applied: string[] = [];
    const runs = await Promise.all(
      runFaultsInLanes(
        schedule,
        (fault) => {
          applied.push(fault.kind);
          return fault.kind === 'errors'
            ? Promise.reject(new Error('chaos refused: 503'))
            : Promise.resolve();
        },
        { startedAt: Date.now(), serviceGapMs: 1 },
      ),
    );
    expect(applied).toEqual(['errors', 'pause']);
    expect(runs.map((run) => run.error?.message)).toEqual(['chaos refused: 503', undefined]);
  });
});
