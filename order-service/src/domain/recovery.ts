import { runWithContext, withSpan, type Logger } from '@shop/platform/runtime';
import { chargeFinalAt, type DeadlinePolicy } from './call-deadlines.js';
import type { TaskRunner } from './follow-up-tasks.js';
import type { OrderRecord } from './order.js';
import type { OrderLifecycle } from './order-lifecycle.js';
import type { Clock, OrderMetrics, OrderStore, PaymentPort, RecoveryOutcome } from './ports.js';
import { decideRecovery, type RecoveryDecision, type RecoveryPolicy } from './saga-decisions.js';

export interface RecoverySettings extends RecoveryPolicy {
  /**
   * Orders younger than this are left alone: their saga may still be running. Must exceed the payment
   * call's total time budget.
   */
  minAgeMs: number;
  batchSize: number;
}

export interface RecoveryReport {
  confirmed: number;
  cancelled: number;
  retried: number;
  /** Orders payment has no charge for yet, whose charge deadline has not passed. */
  waiting: number;
  tasksCompleted: number;
  tasksRetried: number;
}

const OUTCOMES = {
  confirm: 'confirmed',
  cancel: 'cancelled',
  retry: 'retried',
  wait: 'waiting',
} as const satisfies Record<RecoveryDecision['action'], RecoveryOutcome>;

export interface Recovery {
  /** One pass of the recovery worker at `now`: resolves due PENDING orders, then runs due follow-up tasks. */
  recoverPendingOrders(now?: Date): Promise<RecoveryReport>;
}

/**
 * docs/architecture.md#the-order-saga: no order stays PENDING forever. For each PENDING order old enough, payment (the only party
 * that can have taken money) is asked about it: captured -> CONFIRMED; declined or refunded -> CANCELLED
 * with the stock released; not found -> ask again until the charge's deadline has passed (a charge may
 * still be on its way until then), then CANCELLED; no answer -> back off and ask again, and past the hard
 * deadline cancel anyway with a payment reconciliation that refunds any capture that shows up.
 */
export function createRecovery(deps: {
  store: OrderStore;
  payment: PaymentPort;
  lifecycle: OrderLifecycle;
  tasks: TaskRunner;
  clock: Clock;
  metrics: OrderMetrics;
  inFlight: Set<string>;
  logger: Logger;
  settings: RecoverySettings;
  deadlines: DeadlinePolicy;
}): Recovery {
  const { store, payment, lifecycle, tasks, clock, metrics, inFlight, logger, settings, deadlines } = deps;

  async function resolve(order: OrderRecord, now: Date, report: RecoveryReport): Promise<void> {
    try {
      const lookup = order.sagaStep === 'reserving' ? undefined : await payment.findByOrder(order.id);
      const finalAt = chargeFinalAt(order, deadlines);
      const decision = decideRecovery(order, lookup, now, settings, finalAt);
      switch (decision.action) {
        case 'confirm':
          if (lifecycle.confirm(order.id, decision.paymentId, now) !== undefined) report.confirmed++;
          break;
        case 'cancel': {
          const reconcileAt = decision.reconcilePayment
            ? new Date(Math.max(now.getTime(), finalAt.getTime()))
            : undefined;
          const compensation = {
            release: decision.release,
            refund: false,
            reconcilePaymentAt: reconcileAt,
          };
          if (lifecycle.cancel(order.id, 'PENDING', decision.reason, compensation, now)) report.cancelled++;
          logger.info('pending order cancelled by recovery', {
            orderId: order.id,
            reason: decision.reason,
          });
          break;
        }
        case 'retry':
          store.scheduleRecovery(order.id, decision.attempts, decision.nextAttemptAt.toISOString());
          report.retried++;
          logger.warn('pending order could not be resolved yet, will retry', {
            orderId: order.id,
            attempts: decision.attempts,
            nextAttemptAt: decision.nextAttemptAt.toISOString(),
          });
          break;
        case 'wait':
          store.scheduleRecovery(order.id, order.recoveryAttempts, decision.nextAttemptAt.toISOString());
          report.waiting++;
          logger.info('payment has no charge for the pending order yet; asking again after its deadline', {
            orderId: order.id,
            nextAttemptAt: decision.nextAttemptAt.toISOString(),
          });
          break;
      }
      if (decision.action === 'confirm' || decision.action === 'cancel') {
        await tasks.runForOrder(order.id, now);
      }
      metrics.recovery(OUTCOMES[decision.action]);
    } catch (error) {
      logger.error('recovery of a pending order failed', { orderId: order.id, err: error as Error });
    }
  }

  return {
    async recoverPendingOrders(now = clock.now()) {
      const report: RecoveryReport = {
        confirmed: 0,
        cancelled: 0,
        retried: 0,
        waiting: 0,
        tasksCompleted: 0,
        tasksRetried: 0,
      };
      const createdBefore = new Date(now.getTime() - settings.minAgeMs).toISOString();
      for (const order of store.pendingDue(createdBefore, now.toISOString(), settings.batchSize)) {
        if (inFlight.has(order.id)) continue;
        inFlight.add(order.id);
        try {
          await underOrderCorrelation(order, () => resolve(order, now, report));
        } finally {
          inFlight.delete(order.id);
        }
      }
      const taskReport = await tasks.runDue(now, settings.batchSize);
      report.tasksCompleted = taskReport.completed;
      report.tasksRetried = taskReport.retried;
      return report;
    },
  };
}

/**
 * Resolves an order under the correlation ID of the request that created it, so the calls, log lines and
 * events (OrderConfirmed / OrderCancelled) of a recovered order trace back to that request. With tracing on,
 * each order's recovery is one root span, `recover order` (with `order.id`), its calls' spans under it: the
 * order does not store its request's traceparent, so the span cannot join the request's trace; the
 * correlation ID (on the span as `correlation_id`) links the two.
 */
function underOrderCorrelation<T>(order: OrderRecord, work: () => Promise<T>): Promise<T> {
  const traced = () =>
    withSpan('recover order', work, {
      'order.id': order.id,
      ...(order.correlationId === null ? {} : { correlation_id: order.correlationId }),
    });
  return order.correlationId === null
    ? traced()
    : runWithContext({ correlationId: order.correlationId }, traced);
}
