import type { OrderRecord } from './order.js';

/**
 * Every reservation and charge the saga sends carries an absolute deadline; inventory and payment refuse it
 * once the deadline has passed. Before the deadline a "not found" from them only means "not yet": the call
 * may still be on its way. After the deadline plus the allowance for clock differences it is final.
 */
export interface DeadlinePolicy {
  /** How long after it is sent a reservation or charge may still take effect. */
  windowMs: number;
  /** How far inventory's and payment's clocks may run behind this service's. */
  clockSkewMs: number;
}

export function deadlineAfter(sentAt: Date, policy: DeadlinePolicy): Date {
  return new Date(sentAt.getTime() + policy.windowMs);
}

/** When a "not found" for a call with this deadline becomes final. */
export function finalAfter(deadline: Date, policy: DeadlinePolicy): Date {
  return new Date(deadline.getTime() + policy.clockSkewMs);
}

// Orders stored before deadlines existed: their calls were sent right after the order was created.
function legacyDeadline(order: Pick<OrderRecord, 'createdAt'>, policy: DeadlinePolicy): Date {
  return deadlineAfter(new Date(order.createdAt), policy);
}

/** From then on payment's "no payment for this order" is final. */
export function chargeFinalAt(
  order: Pick<OrderRecord, 'createdAt' | 'chargeDeadline'>,
  policy: DeadlinePolicy,
): Date {
  const deadline =
    order.chargeDeadline === null ? legacyDeadline(order, policy) : new Date(order.chargeDeadline);
  return finalAfter(deadline, policy);
}

/** From then on inventory's "no reservation for this order" is final. */
export function reservationFinalAt(
  order: Pick<OrderRecord, 'createdAt' | 'reserveDeadline'>,
  policy: DeadlinePolicy,
): Date {
  const deadline =
    order.reserveDeadline === null ? legacyDeadline(order, policy) : new Date(order.reserveDeadline);
  return finalAfter(deadline, policy);
}

export interface RefundBoundInputs extends DeadlinePolicy {
  /** ORDER_RECOVERY_MIN_AGE_MS: a PENDING order is first looked at this long after its creation. */
  recoveryMinAgeMs: number;
  /** ORDER_RECOVERY_INTERVAL_MS: how often the worker runs due orders and tasks. */
  recoveryIntervalMs: number;
  /** The longest one call to payment may take, retries included. */
  callBudgetMs: number;
}

/**
 * The longest a capture can stay on an order that is not CONFIRMED (or later) before it is refunded, while
 * payment-service answers. A capture lands at the latest at the charge's deadline. Either the order is
 * still PENDING, and the worker confirms it at most `minAge + interval + call` after its creation, or it was
 * cancelled first: then a reconciliation is due when payment's 404 becomes final (deadline + skew), or at
 * once when the cancellation comes later, and the worker runs it within an interval (lookup and refund: two
 * calls). docs/money-invariants.md derives it step by step.
 */
export function refundBoundMs(inputs: RefundBoundInputs): number {
  const untilDue = Math.max(
    inputs.windowMs + inputs.clockSkewMs,
    inputs.recoveryMinAgeMs + inputs.callBudgetMs,
  );
  return untilDue + inputs.recoveryIntervalMs + 2 * inputs.callBudgetMs;
}
