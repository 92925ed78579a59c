import { randomUUID } from 'node:crypto';
import { runWithContext, type Logger } from '@shop/platform/runtime';

export interface PeriodicWorker {
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs`, never two at once (the recovery worker, the cart purge). Each pass gets its
 * own correlation ID (`<name>-<uuid>`), so its calls to other services and its log lines can be traced like a
 * request's. A pass that fails is logged with `failure`; the next pass runs as usual.
 */
export function startPeriodicWorker(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  failure: string;
  pass: () => unknown;
}): PeriodicWorker {
  const { name, intervalMs, logger, failure, pass } = options;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = () => {
    if (running !== undefined || stopped) return;
    running = runWithContext({ correlationId: `${name}-${randomUUID()}` }, async () => {
      await pass();
    })
      .then(
        () => undefined,
        (error: unknown) => {
          logger.error(failure, { err: error as Error });
        },
      )
      .finally(() => {
        running = undefined;
      });
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
