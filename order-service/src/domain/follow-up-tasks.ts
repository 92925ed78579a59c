import { runWithContext, type Logger } from '@shop/platform/runtime';
import { chargeFinalAt, reservationFinalAt, type DeadlinePolicy } from './call-deadlines.js';
import type { OrderRecord } from './order.js';
import { backoffMs } from './saga-decisions.js';
import type {
  InventoryPort,
  OrderStore,
  OrderTask,
  PaymentPort,
  RefundReason,
  TaskKind,
  Unavailable,
} from './ports.js';

export interface TaskRunner {
  /** Runs the order's tasks that are due at `now` (right after the change that created them). */
  runForOrder(orderId: string, now: Date): Promise<void>;
  /**
   * runForOrder without waiting for it: for a task nobody's answer depends on (the commit of a confirmed
   * order's reservation). It starts on the next turn of the event loop, once the answer being prepared has
   * asked for its group sync, so the task's call and the answer share one fsync. The task is durable already;
   * if this run fails, the worker runs it again.
   */
  startForOrder(orderId: string, now: Date): void;
  /** Resolves once every run startForOrder began has finished (shutdown waits for it). */
  settled(): Promise<void>;
  /** Runs every due task, oldest first; returns how many finished and how many must be retried. */
  runDue(now: Date, limit: number): Promise<{ completed: number; retried: number }>;
}

/** `wait`: the dependency has nothing yet but may still act until its deadline; ask again then. */
type TaskResult =
  { done: true } | { done: false; error: string } | { done: false; waitUntil: Date; note: string };

const DONE: TaskResult = { done: true };

function failed(failure: Unavailable): TaskResult {
  return { done: false, error: `${failure.outcome}: ${failure.detail}` };
}

/**
 * Why a capture of this order is refunded. An order that was confirmed with a payment (paymentId set) and
 * then cancelled gives its own payment back; a capture on an order cancelled before it was confirmed came
 * too late; an order this service does not know has no claim to any capture.
 */
export function refundReasonFor(order: OrderRecord | undefined): RefundReason {
  if (order === undefined) return 'unknown_order';
  return order.paymentId === null ? 'late_capture' : 'order_cancelled';
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
 * A "not found" from inventory or payment is final only once the call's deadline has passed: until then
 * the reservation or charge may still land, and the task waits for that moment instead of finishing.
 */
export function createTaskRunner(deps: {
  store: OrderStore;
  inventory: InventoryPort;
  payment: PaymentPort;
  logger: Logger;
  backoff: { baseMs: number; capMs: number };
  deadlines: DeadlinePolicy;
}): TaskRunner {
  const { store, inventory, payment, logger, backoff, deadlines } = deps;
  const running = new Set<string>();

  async function refund(orderId: string, order: OrderRecord | undefined): Promise<TaskResult> {
    const reason = refundReasonFor(order);
    const result = await payment.refund(orderId, reason);
    if (result.kind === 'unavailable') return failed(result);
    if (result.kind === 'refunded') {
      logger.log(reason === 'order_cancelled' ? 'info' : 'warn', 'payment refunded', {
        orderId,
        reason,
        ...(order !== undefined && { orderCorrelationId: order.correlationId }),
      });
    }
    return DONE;
  }

  async function execute(task: OrderTask, now: Date): Promise<TaskResult> {
    const order = store.find(task.orderId);
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
        if (result.kind === 'unavailable') return failed(result);
        if (result.kind === 'not_found' && order !== undefined) {
          const finalAt = reservationFinalAt(order, deadlines);
          if (now < finalAt) {
            return { done: false, waitUntil: finalAt, note: 'no reservation yet; it may still land' };
          }
        }
        return DONE;
      }
      case 'refund_payment': {
        // Only a capture no confirmed order owns is given back (the inverse invariant: a CONFIRMED,
        // SHIPPED or DELIVERED order keeps exactly one captured payment).
        if (order !== undefined && order.status !== 'CANCELLED') {
          logger.error('refund of an order that is not cancelled refused', {
            orderId: task.orderId,
            status: order.status,
          });
          return DONE;
        }
        return refund(task.orderId, order);
      }
      case 'reconcile_payment': {
        if (order?.status !== 'CANCELLED') return DONE;
        const lookup = await payment.findByOrder(task.orderId);
        if (lookup.kind === 'unavailable') return failed(lookup);
        if (lookup.kind === 'not_found') {
          const finalAt = chargeFinalAt(order, deadlines);
          return now < finalAt
            ? { done: false, waitUntil: finalAt, note: 'no payment yet; a charge may still land' }
            : DONE;
        }
        if (lookup.payment.status !== 'CAPTURED') return DONE;
        logger.warn('captured payment found for a cancelled order: refunding', { orderId: task.orderId });
        return refund(task.orderId, order);
      }
    }
  }

  async function run(task: OrderTask, now: Date): Promise<'completed' | 'retried' | 'busy'> {
    const key = `${task.orderId}:${task.kind}`;
    // Already being run (inline by a request and by the worker at once): one attempt is enough.
    if (running.has(key)) return 'busy';
    running.add(key);
    try {
      const result = await execute(task, now);
      if (result.done) {
        store.completeTask(task.orderId, task.kind);
        return 'completed';
      }
      if ('waitUntil' in result) {
        store.retryTask(task.orderId, task.kind, task.attempts, result.waitUntil.toISOString(), result.note);
        logger.info('order follow-up task waits for the call deadline', {
          orderId: task.orderId,
          task: task.kind,
          nextAttemptAt: result.waitUntil.toISOString(),
          reason: result.note,
        });
        return 'retried';
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
    } catch (error) {
      // Its effect may have happened (payment answered the refund) while recording it failed: the database
      // locked by another process. The task stays due and runs again, idempotent at the other end. A request
      // that ran it inline (a cancel) has committed its decision already: it must not answer as if nothing had.
      logger.warn('order follow-up task not recorded; it runs again', {
        orderId: task.orderId,
        task: task.kind,
        err: error as Error,
      });
      return 'retried';
    } finally {
      running.delete(key);
    }
  }

  async function runForOrder(orderId: string, now: Date): Promise<void> {
    const due = store
      .tasksFor(orderId)
      .filter((task) => task.nextAttemptAt <= now.toISOString())
      .sort((a, b) => RUN_ORDER.indexOf(a.kind) - RUN_ORDER.indexOf(b.kind));
    for (const task of due) await run(task, now);
  }

  const background = new Set<Promise<void>>();

  return {
    runForOrder,
    startForOrder(orderId, now) {
      const job = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => runForOrder(orderId, now))
        .catch((error: unknown) => {
          // Reading the tasks failed (the database closing, locked): they stay due for the worker.
          logger.warn('order follow-up tasks not run now; the worker runs them', {
            orderId,
            err: error as Error,
          });
        })
        .finally(() => background.delete(job));
      background.add(job);
    },
    async settled() {
      while (background.size > 0) await Promise.all(background);
    },
    async runDue(now, limit) {
      let completed = 0;
      let retried = 0;
      for (const task of store.dueTasks(now.toISOString(), limit)) {
        const correlationId = task.correlationId ?? store.find(task.orderId)?.correlationId ?? null;
        const outcome =
          correlationId === null
            ? await run(task, now)
            : await runWithContext({ correlationId }, () => run(task, now));
        if (outcome === 'completed') completed++;
        else if (outcome === 'retried') retried++;
      }
      return { completed, retried };
    },
  };
}
