import { setTimeout as sleep } from 'node:timers/promises';
import { AGGREGATE_OWNERS, OWNER_GAP_MS, SERVICE_GAP_MS, type ScheduledFault } from './schedule.js';

export interface LaneOptions {
  /** When the fault phase began (epoch ms); a fault is due at `startedAt + fault.atMs`. */
  startedAt: number;
  /** Quiet time on one service after its previous fault really ended. Default SERVICE_GAP_MS. */
  serviceGapMs?: number;
  /** Quiet time among the aggregate owners after the previous owner fault really ended. Default OWNER_GAP_MS. */
  ownerGapMs?: number;
}

export interface FaultRun {
  fault: ScheduledFault;
  /** When it was applied (epoch ms). */
  from: number;
  /** When it was undone: for a kill or a restart, once the service is ready again. */
  to: number;
  /** How much later than scheduled it was due because an earlier fault on its lane ended late (0: on time). */
  lateMs: number;
  error?: Error;
}

/**
 * Runs a chaos schedule at run time with the two rules the schedule was drawn with (schedule.ts): one fault at
 * a time per service with a quiet gap after it, and one fault at a time among the aggregate owners with
 * OWNER_GAP_MS after it. The schedule assumes each fault ends when its duration does; a kill or a restart
 * really ends when the service is ready again, which on a starved machine (or a broker slow to answer the
 * service's start) can take longer than the gap to the next fault on that service. Without this, that next
 * fault hit a process still starting (a SIGKILL before it was ready, a chaos injection refused 503): two
 * faults at once on one service, which the schedule promises never happens. So each fault starts at its
 * scheduled moment, or, if the previous fault on its service (or its owner lane) ended late, that gap after
 * the real end; `lateMs` says by how much. Every fault is still applied, in the schedule's order per lane.
 */
export function runFaultsInLanes(
  schedule: readonly ScheduledFault[],
  apply: (fault: ScheduledFault) => Promise<void>,
  options: LaneOptions,
  onStart?: (fault: ScheduledFault) => void,
  onEnd?: (run: FaultRun) => void,
): Promise<FaultRun>[] {
  const serviceGapMs = options.serviceGapMs ?? SERVICE_GAP_MS;
  const ownerGapMs = options.ownerGapMs ?? OWNER_GAP_MS;
  const lastOnService = new Map<string, Promise<FaultRun>>();
  let lastOwner: Promise<FaultRun> | undefined;

  return [...schedule]
    .sort((a, b) => a.atMs - b.atMs)
    .map((fault) => {
      const owner = AGGREGATE_OWNERS.includes(fault.target);
      const after: { previous: Promise<FaultRun>; gapMs: number }[] = [];
      const sameService = lastOnService.get(fault.target);
      if (sameService) after.push({ previous: sameService, gapMs: serviceGapMs });
      if (owner && lastOwner) after.push({ previous: lastOwner, gapMs: ownerGapMs });

      const run = (async (): Promise<FaultRun> => {
        const due = options.startedAt + fault.atMs;
        let notBefore = due;
        for (const { previous, gapMs } of after) {
          const ended = (await previous).to;
          notBefore = Math.max(notBefore, ended + gapMs);
        }
        // A timer may fire a millisecond early: wait until the moment has really come.
        while (Date.now() < notBefore) await sleep(notBefore - Date.now());
        const from = Date.now();
        onStart?.(fault);
        let error: Error | undefined;
        try {
          await apply(fault);
        } catch (caught) {
          error = caught instanceof Error ? caught : new Error(String(caught));
        }
        const result: FaultRun = {
          fault,
          from,
          to: Date.now(),
          lateMs: notBefore - due,
          ...(error && { error }),
        };
        onEnd?.(result);
        return result;
      })();

      lastOnService.set(fault.target, run);
      if (owner) lastOwner = run;
      return run;
    });
}
