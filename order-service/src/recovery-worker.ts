import { randomUUID } from 'node:crypto';
import { runWithContext, type Logger } from '@shop/platform/runtime';

export interface RecoveryWorker {
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs`, never two at once. Each pass gets its own correlation ID, so its calls to
 * payment and inventory and its log lines can be traced like a request's.
 */
export function startRecoveryWorker(options: {
  intervalMs: number;
  logger: Logger;
  pass: () => Promise<unknown>;
}): RecoveryWorker {
  const { intervalMs, logger, pass } = options;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = () => {
    if (running !== undefined || stopped) return;
    running = runWithContext({ correlationId: `order-recovery-${randomUUID()}` }, pass)
      .then(
        () => undefined,
        (error: unknown) => {
          logger.error('order recovery pass failed', { err: error as Error });
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
