import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.js';

/**
 * When each phase of a graceful stop must be over, as epoch milliseconds. One overall deadline
 * (`SHUTDOWN_TIMEOUT_MS` after the signal) is split into three phases so that a slow first phase can
 * never eat the time the later ones need to keep data safe.
 */
export interface ShutdownDeadline {
  /** When the stop began (the signal). */
  readonly startedAt: number;
  /** The process has exited by then, whatever happened. */
  readonly at: number;
  readonly timeoutMs: number;
  /** In-flight HTTP requests may finish until then (60 % of the timeout); connections are then closed. */
  readonly drainBy: number;
  /**
   * Workers, upstream clients and the event bus stop by then (90 %); whatever is still running is
   * abandoned. The rest is for the database and the last log lines.
   */
  readonly closeBy: number;
}

export const DRAIN_SHARE = 0.6;
export const CLOSE_SHARE = 0.9;

/** The deadline of a stop that starts `now` and must be over `timeoutMs` later. */
export function shutdownDeadline(timeoutMs: number, now = Date.now()): ShutdownDeadline {
  return {
    startedAt: now,
    at: now + timeoutMs,
    timeoutMs,
    drainBy: now + Math.round(timeoutMs * DRAIN_SHARE),
    closeBy: now + Math.round(timeoutMs * CLOSE_SHARE),
  };
}

/** How a piece of shutdown work ended: on time, with an error, or still running at its deadline. */
export type Settled = { outcome: 'done' } | { outcome: 'failed'; error: unknown } | { outcome: 'abandoned' };

/** Waits for `work` until `by` (epoch ms), never longer, and never rejects. */
export async function settleBy(work: Promise<unknown>, by: number): Promise<Settled> {
  const controller = new AbortController();
  const expired = sleep(Math.max(0, by - Date.now()), undefined, { signal: controller.signal }).then(
    (): Settled => ({ outcome: 'abandoned' }),
    (): Settled => ({ outcome: 'abandoned' }),
  );
  try {
    return await Promise.race([
      work.then(
        (): Settled => ({ outcome: 'done' }),
        (error: unknown): Settled => ({ outcome: 'failed', error }),
      ),
      expired,
    ]);
  } finally {
    controller.abort();
  }
}

/**
 * Runs one step of a stop within `by`: logs it when it fails or is abandoned (then calls `abandon`, which
 * must drop what is left without losing data, e.g. close sockets so the broker redelivers), and resolves
 * either way so the next step always runs.
 */
export async function shutdownStep(
  logger: Logger,
  name: string,
  work: () => unknown,
  by: number,
  abandon?: () => void | Promise<void>,
): Promise<Settled> {
  const started = Date.now();
  let running: Promise<unknown>;
  try {
    running = Promise.resolve(work());
  } catch (error) {
    running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const settled = await settleBy(running, by);
  if (settled.outcome === 'failed') {
    logger.error('shutdown step failed', { step: name, err: settled.error });
  } else if (settled.outcome === 'abandoned') {
    logger.warn('shutdown step abandoned at its deadline', { step: name, waitedMs: Date.now() - started });
    // Not awaited: abandoning takes no time (it drops work, it does not finish it).
    const cannotAbandon = (error: unknown): void => {
      logger.warn('shutdown step could not be abandoned cleanly', { step: name, err: error });
    };
    try {
      abandon?.()?.catch(cannotAbandon);
    } catch (error) {
      cannotAbandon(error);
    }
  }
  return settled;
}
