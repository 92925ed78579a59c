import { randomUUID } from 'node:crypto';
import { AppError, conflict, notFound, type Transactor } from '@shop/platform/runtime';
import type { PaymentFilter, PaymentRepository } from './ports.js';
import { decideCharge } from './card-processor.js';
import type {
  ChargeRefusal,
  ChargeRequest,
  OrderCancellation,
  Payment,
  PaymentHooks,
  RefundReason,
} from './payment.js';

export interface PaymentDeps {
  payments: PaymentRepository;
  transaction: Transactor;
  hooks: PaymentHooks;
  now: () => string;
}

/**
 * `created: false` when the order already had a payment: nothing was charged, the first result is returned.
 * `refused`: the charge came too late (past its deadline, or for an order already cancelled); nothing stored.
 */
export type ChargeOutcome =
  { kind: 'charged'; payment: Payment; created: boolean } | { kind: 'refused'; reason: ChargeRefusal };

export interface RefundOutcome {
  payment: Payment;
  changed: boolean;
}

export type PaymentDesk = ReturnType<typeof createPaymentDesk>;

export function createPaymentDesk({ payments, transaction, hooks, now }: PaymentDeps) {
  /**
   * Idempotent on orderId: the lookup, the card decision and the insert run in one IMMEDIATE transaction, so two concurrent charges for one order cannot both capture (UNIQUE(order_id) backs it up).
   * A new charge is refused past its deadline, checked inside that transaction: order-service trusts
   * "no payment for this order" once the deadline has passed, so nothing may be captured after it.
   */
  function charge(request: ChargeRequest): Promise<ChargeOutcome> {
    return transaction((): ChargeOutcome => {
      const existing = payments.findByOrderId(request.orderId);
      if (existing) {
        if (
          existing.customerId !== request.customerId ||
          existing.amountCents !== request.amountCents ||
          existing.currency !== request.currency
        ) {
          throw new AppError(
            'idempotency_mismatch',
            `Order ${request.orderId} was already charged with a different customer or amount`,
            422,
          );
        }
        return { kind: 'charged', payment: existing, created: false };
      }
      if (request.deadline !== undefined && Date.parse(now()) > request.deadline.getTime()) {
        return { kind: 'refused', reason: 'deadline_passed' };
      }
      if (payments.findCancellation(request.orderId) !== undefined) {
        return { kind: 'refused', reason: 'order_cancelled' };
      }
      const decision = decideCharge(request.token);
      const payment: Payment = {
        id: randomUUID(),
        orderId: request.orderId,
        customerId: request.customerId,
        amountCents: request.amountCents,
        currency: request.currency,
        status: decision.approved ? 'CAPTURED' : 'DECLINED',
        createdAt: now(),
      };
      if (!decision.approved) payment.declineReason = decision.reason;
      payments.insert(payment);
      if (payment.status === 'CAPTURED') hooks.onPaymentCaptured(payment);
      return { kind: 'charged', payment, created: true };
    });
  }

  /**
   * Full refund, idempotent: refunding a REFUNDED payment returns it unchanged (with its first reason).
   * `onlyCancelledOrders`: the public API gives money back only for an order announced as cancelled; any
   * other order is refunded by cancelling it, so a CONFIRMED order never keeps going without its payment.
   */
  function refund(
    find: () => Payment | undefined,
    reason: RefundReason,
    onlyCancelledOrders = false,
  ): Promise<RefundOutcome> {
    return transaction(() => {
      const payment = find();
      if (!payment) throw notFound('Payment');
      if (payment.status === 'REFUNDED') return { payment, changed: false };
      if (payment.status === 'DECLINED') {
        throw conflict(
          'payment_not_refundable',
          'A declined payment captured nothing and cannot be refunded',
        );
      }
      if (onlyCancelledOrders && payments.findCancellation(payment.orderId) === undefined) {
        throw new AppError(
          'refund_requires_order_cancellation',
          `Refund by cancelling the order: POST /api/orders/${payment.orderId}/cancel refunds its payment, ` +
            'restocks it and cancels its shipment. A shipped or delivered order cannot be refunded here.',
          409,
          { details: { orderId: payment.orderId, paymentId: payment.id } },
        );
      }
      const refundedAt = now();
      payments.markRefunded(payment.id, refundedAt, reason);
      const refunded: Payment = { ...payment, status: 'REFUNDED', refundedAt, refundReason: reason };
      hooks.onPaymentRefunded(refunded);
      return { payment: refunded, changed: true };
    });
  }

  return {
    charge,
    /** The public API (admin): allowed only once order-service has announced the order cancelled. */
    refundById: (id: string) => refund(() => payments.findById(id), 'manual', true),
    /** The saga's compensation (order-service, internal API). */
    refundByOrder: (orderId: string, reason: RefundReason) =>
      refund(() => payments.findByOrderId(orderId), reason),
    /**
     * OrderCancelled: remembered, so later charges for the order are refused and a manual refund is allowed.
     * Inside the consumer's inbox transaction it runs at once, as a savepoint of it.
     */
    recordOrderCancelled: (cancelled: OrderCancellation) =>
      transaction(() => payments.recordCancellation(cancelled, now())),
    findById: (id: string) => payments.findById(id),
    findByOrder: (orderId: string) => payments.findByOrderId(orderId),
    list: (filter: PaymentFilter) => payments.list(filter),
  };
}
