import type { CancelReason, OrderRecord, RequestedLine } from './order.js';
import type { ChargeResult, PaymentPort, PricedLine, ReserveResult, Unavailable } from './ports.js';

/** A saga outcome the client must hear as an error, with the order it left CANCELLED. */
export interface Rejection {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export type ReservationDecision =
  | { next: 'charge'; lines: PricedLine[]; totalCents: number; currency: string }
  | { next: 'cancel'; reason: CancelReason; release: boolean; rejection: Rejection }
  | { next: 'park' };

export type ChargeDecision =
  | { next: 'confirm'; paymentId: string }
  | { next: 'cancel'; reason: CancelReason; reconcilePayment: boolean; rejection: Rejection }
  | { next: 'park' };

function objectDetails(details: unknown): Record<string, unknown> {
  return typeof details === 'object' && details !== null && !Array.isArray(details)
    ? { ...(details as Record<string, unknown>) }
    : {};
}

export function dependencyUnavailable(
  orderId: string,
  failure: Unavailable | undefined,
  fallbackRetryAfterSeconds: number,
): Rejection {
  return {
    status: 503,
    code: 'dependency_unavailable',
    message: 'A service needed to place the order is unavailable; the order was cancelled, retry later',
    details: { orderId },
    retryAfterSeconds: Math.max(1, failure?.retryAfterSeconds ?? fallbackRetryAfterSeconds),
  };
}

/**
 * Prices every requested line from the reservation. Undefined when the reservation does not cover exactly
 * what was asked for (a dependency that misbehaves must not decide what the customer pays).
 */
export function priceLines(
  requested: RequestedLine[],
  reserved: { productId: number; name: string; quantity: number; unitPriceCents: number }[],
): { lines: PricedLine[]; totalCents: number } | undefined {
  if (reserved.length !== requested.length) return undefined;
  const byProduct = new Map(reserved.map((item) => [item.productId, item]));
  const lines: PricedLine[] = [];
  let totalCents = 0;
  for (const line of requested) {
    const item = byProduct.get(line.productId);
    if (item === undefined || item.quantity !== line.quantity) return undefined;
    if (!Number.isSafeInteger(item.unitPriceCents) || item.unitPriceCents < 0) return undefined;
    lines.push({ productId: line.productId, name: item.name, unitPriceCents: item.unitPriceCents });
    totalCents += item.unitPriceCents * line.quantity;
  }
  return Number.isSafeInteger(totalCents) ? { lines, totalCents } : undefined;
}

/** Step 2 of docs/architecture.md#the-order-saga: what follows the reservation attempt. */
export function decideAfterReservation(
  orderId: string,
  requested: RequestedLine[],
  result: ReserveResult,
  fallbackRetryAfterSeconds: number,
): ReservationDecision {
  switch (result.kind) {
    case 'reserved': {
      const priced = priceLines(requested, result.items);
      if (priced === undefined) {
        return {
          next: 'cancel',
          reason: 'dependency_unavailable',
          release: true,
          rejection: dependencyUnavailable(orderId, undefined, fallbackRetryAfterSeconds),
        };
      }
      return { next: 'charge', ...priced, currency: result.currency };
    }
    case 'out_of_stock':
      return {
        next: 'cancel',
        reason: 'out_of_stock',
        release: false,
        rejection: {
          status: 409,
          code: 'out_of_stock',
          message: result.message,
          details: { ...objectDetails(result.details), orderId },
        },
      };
    case 'unknown_product':
      return {
        next: 'cancel',
        reason: 'unknown_product',
        release: false,
        rejection: {
          status: 422,
          code: 'unknown_product',
          message: result.message,
          details: { ...objectDetails(result.details), orderId },
        },
      };
    case 'unavailable':
      if (result.outcome === 'unknown') return { next: 'park' };
      // "Not sent" describes the last attempt only; an earlier, timed-out attempt may have reserved. Releasing
      // is idempotent, so it is always done.
      return {
        next: 'cancel',
        reason: 'dependency_unavailable',
        release: true,
        rejection: dependencyUnavailable(orderId, result, fallbackRetryAfterSeconds),
      };
  }
}

/** Step 3 of docs/architecture.md#the-order-saga: what follows the charge attempt. Stock is released on every cancellation from here. */
export function decideAfterCharge(
  orderId: string,
  result: ChargeResult,
  fallbackRetryAfterSeconds: number,
): ChargeDecision {
  switch (result.kind) {
    case 'captured':
      return { next: 'confirm', paymentId: result.payment.id };
    case 'declined':
      return {
        next: 'cancel',
        reason: 'payment_declined',
        reconcilePayment: false,
        rejection: { status: 402, code: 'payment_declined', message: result.message, details: { orderId } },
      };
    case 'unavailable':
      if (result.outcome === 'unknown') return { next: 'park' };
      // As for the reservation: an earlier attempt may have captured, so a later look refunds any capture.
      return {
        next: 'cancel',
        reason: 'dependency_unavailable',
        reconcilePayment: true,
        rejection: dependencyUnavailable(orderId, result, fallbackRetryAfterSeconds),
      };
  }
}

export interface RecoveryPolicy {
  /** Past this age a PENDING order that payment never saw is cancelled as pending_timeout. */
  deadlineMs: number;
  /** Past this age (2x the deadline) an order whose payment cannot be asked is cancelled anyway. */
  hardDeadlineMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

export type PaymentLookup = Awaited<ReturnType<PaymentPort['findByOrder']>>;

export type RecoveryDecision =
  | { action: 'confirm'; paymentId: string }
  | { action: 'cancel'; reason: CancelReason; release: true; reconcilePayment: boolean }
  | { action: 'retry'; attempts: number; nextAttemptAt: Date }
  /** Payment has no charge yet, but one may still land: look again when its "not found" is final. */
  | { action: 'wait'; nextAttemptAt: Date };

export function backoffMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Resolves one PENDING order (docs/architecture.md#the-order-saga). `lookup` is payment's answer for the order, or undefined when the
 * saga never reached payment (then nothing was charged and only the reservation needs undoing).
 * `chargeFinalAt`: from then on payment refuses the order's charge, so its "not found" is final; before,
 * it only means "not yet" (the charge may be on its way, as in issue 8's late capture).
 */
export function decideRecovery(
  order: Pick<OrderRecord, 'createdAt' | 'recoveryAttempts'>,
  lookup: PaymentLookup | undefined,
  now: Date,
  policy: RecoveryPolicy,
  chargeFinalAt: Date,
): RecoveryDecision {
  const ageMs = now.getTime() - Date.parse(order.createdAt);
  if (lookup === undefined) {
    return { action: 'cancel', reason: 'dependency_unavailable', release: true, reconcilePayment: false };
  }
  switch (lookup.kind) {
    case 'found':
      if (lookup.payment.status === 'CAPTURED') return { action: 'confirm', paymentId: lookup.payment.id };
      return {
        action: 'cancel',
        reason: lookup.payment.status === 'DECLINED' ? 'payment_declined' : 'payment_refunded',
        release: true,
        reconcilePayment: false,
      };
    case 'not_found':
      if (now < chargeFinalAt) return { action: 'wait', nextAttemptAt: chargeFinalAt };
      return {
        action: 'cancel',
        reason: ageMs >= policy.deadlineMs ? 'pending_timeout' : 'payment_not_received',
        release: true,
        reconcilePayment: false,
      };
    case 'unavailable': {
      if (ageMs >= policy.hardDeadlineMs) {
        return { action: 'cancel', reason: 'pending_timeout', release: true, reconcilePayment: true };
      }
      const attempts = order.recoveryAttempts + 1;
      const delay = backoffMs(attempts, policy.backoffBaseMs, policy.backoffCapMs);
      return { action: 'retry', attempts, nextAttemptAt: new Date(now.getTime() + delay) };
    }
  }
}
