import { randomUUID } from 'node:crypto';
import { AppError, conflict, notFound, type Transactor } from '@shop/platform';
import type { PaymentFilter, PaymentRepository } from '../data/payment-repository.js';
import { decideCharge } from './card-processor.js';
import type { ChargeRequest, Payment, PaymentHooks } from './payment.js';

export interface PaymentDeps {
  payments: PaymentRepository;
  transaction: Transactor;
  hooks: PaymentHooks;
  now: () => string;
}

/** `created: false` when the order already had a payment: nothing was charged, the first result is returned. */
export interface ChargeOutcome {
  payment: Payment;
  created: boolean;
}

export interface RefundOutcome {
  payment: Payment;
  changed: boolean;
}

export type PaymentDesk = ReturnType<typeof createPaymentDesk>;

export function createPaymentDesk({ payments, transaction, hooks, now }: PaymentDeps) {
  /**
   * Idempotent on orderId: the lookup, the card decision and the insert run in one synchronous IMMEDIATE
   * transaction, so two concurrent charges for one order cannot both capture (UNIQUE(order_id) backs it up).
   */
  function charge(request: ChargeRequest): ChargeOutcome {
    return transaction(() => {
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
        return { payment: existing, created: false };
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
      return { payment, created: true };
    });
  }

  /** Full refund, idempotent: refunding a REFUNDED payment returns it unchanged. */
  function refund(find: () => Payment | undefined): RefundOutcome {
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
      const refundedAt = now();
      payments.markRefunded(payment.id, refundedAt);
      const refunded: Payment = { ...payment, status: 'REFUNDED', refundedAt };
      hooks.onPaymentRefunded(refunded);
      return { payment: refunded, changed: true };
    });
  }

  return {
    charge,
    refundById: (id: string) => refund(() => payments.findById(id)),
    refundByOrder: (orderId: string) => refund(() => payments.findByOrderId(orderId)),
    findById: (id: string) => payments.findById(id),
    findByOrder: (orderId: string) => payments.findByOrderId(orderId),
    list: (filter: PaymentFilter) => payments.list(filter),
  };
}
