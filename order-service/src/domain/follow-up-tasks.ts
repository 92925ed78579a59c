import type { Logger } from '@shop/platform';
import { backoffMs } from './saga-decisions.js';
import type { InventoryPort, OrderStore, OrderTask, PaymentPort, TaskKind, Unavailable } from './ports.js';

export interface TaskRunner {
  /** Runs the order's tasks that are due at `now` (right after the change that created them). */
  runForOrder(orderId: string, now: Date): Promise<void>;
  /** Runs every due task, oldest first; returns how many finished and how many must be retried. */
  runDue(now: Date, limit: number): Promise<{ completed: number; retried: number }>;
}

type TaskResult = { done: true } | { done: false; error: string };

const DONE: TaskResult = { done: true };

function failed(failure: Unavailable): TaskResult {
  return { done: false, error: `${failure.outcome}: ${failure.detail}` };
}

// A commit must not run after a release of the same reservation; refunds first so money goes back soonest.
const RUN_ORDER: readonly TaskKind[] = [
  'refund_payment',
  'reconcile_payment',
  'commit_reservation',
  'release_reservation',
];

/**
 * Executes the durable follow-up work of order changes against inventory and payment. Every call is
 * idempotent on the order id, so a task repeated after a crash or a lost answer does no harm; a failed task
 * is retried with capped exponential backoff, never dropped (stock conservation and refunds depend on it).
 */
export function createTaskRunner(deps: {
  store: OrderStore;
  inventory: InventoryPort;
  payment: PaymentPort;
  logger: Logger;
  backoff: { baseMs: number; capMs: number };
}): TaskRunner {
  const { store, inventory, payment, logger, backoff } = deps;
  const running = new Set<string>();

  async function execute(task: OrderTask): Promise<TaskResult> {
    switch (task.kind) {
      case 'commit_reservation': {
        const result = await inventory.commit(task.orderId);
        if (result.kind === 'unavailable') return failed(result);
        if (result.kind === 'missing') {
          logger.error('reservation to commit does not exist at inventory', { orderId: task.orderId });
        }
        return DONE;
      }
      case 'release_reservation': {
        const result = await inventory.release(task.orderId);
        return result.kind === 'unavailable' ? failed(result) : DONE;
      }
      case 'refund_payment': {
        const result = await payment.refund(task.orderId);
        return result.kind === 'unavailable' ? failed(result) : DONE;
      }
      case 'reconcile_payment': {
        const order = store.find(task.orderId);
        if (order?.status !== 'CANCELLED') return DONE;
        const lookup = await payment.findByOrder(task.orderId);
        if (lookup.kind === 'unavailable') return failed(lookup);
        if (lookup.kind === 'not_found' || lookup.payment.status !== 'CAPTURED') return DONE;
        logger.warn('captured payment found for a cancelled order: refunding', { orderId: task.orderId });
        const refund = await payment.refund(task.orderId);
        return refund.kind === 'unavailable' ? failed(refund) : DONE;
      }
    }
  }

  async function run(task: OrderTask, now: Date): Promise<'completed' | 'retried' | 'busy'> {
    const key = `${task.orderId}:${task.kind}`;
    // Already being run (inline by a request and by the worker at once): one attempt is enough.
    if (running.has(key)) return 'busy';
    running.add(key);
    try {
      const result = await execute(task);
      if (result.done) {
        store.completeTask(task.orderId, task.kind);
        return 'completed';
      }
      const attempts = task.attempts + 1;
      const next = new Date(now.getTime() + backoffMs(attempts, backoff.baseMs, backoff.capMs));
      store.retryTask(task.orderId, task.kind, attempts, next.toISOString(), result.error);
      logger.log(attempts >= 10 ? 'error' : 'warn', 'order follow-up task failed, will retry', {
        orderId: task.orderId,
        task: task.kind,
        attempts,
        nextAttemptAt: next.toISOString(),
        reason: result.error,
      });
      return 'retried';
    } finally {
      running.delete(key);
    }
  }

  return {
    async runForOrder(orderId, now) {
      const due = store
        .tasksFor(orderId)
        .filter((task) => task.nextAttemptAt <= now.toISOString())
        .sort((a, b) => RUN_ORDER.indexOf(a.kind) - RUN_ORDER.indexOf(b.kind));
      for (const task of due) await run(task, now);
    },
    async runDue(now, limit) {
      let completed = 0;
      let retried = 0;
      for (const task of store.dueTasks(now.toISOString(), limit)) {
        const outcome = await run(task, now);
        if (outcome === 'completed') completed++;
        else if (outcome === 'retried') retried++;
      }
      return { completed, retried };
    },
  };
}
