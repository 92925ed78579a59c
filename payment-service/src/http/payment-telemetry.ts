import { counter, type Logger, type Registry } from '@shop/platform/runtime';
import {
  CHARGE_REFUSALS,
  REFUND_REASONS,
  type ChargeRefusal,
  type Payment,
  type RefundReason,
} from '../domain/payment.js';

export const PAYMENT_OUTCOMES = ['captured', 'declined', 'refunded'] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

// Refunds that mean a charge reached payment for an order that was not going to be confirmed.
const UNEXPECTED: ReadonlySet<RefundReason> = new Set(['late_capture', 'unknown_order']);

/** What the routes report about payments: counted once per state change, never for an idempotent repeat. */
export interface PaymentTelemetry {
  /** payments_total{outcome}. */
  changed(outcome: PaymentOutcome): void;
  /** payment_refunds_total{reason} and one log line (with the request's correlation ID). */
  refunded(payment: Payment, reason: RefundReason): void;
  /** payment_charges_refused_total{reason} and one log line. */
  refused(orderId: string, reason: ChargeRefusal, deadline: Date | undefined): void;
}

export function createPaymentTelemetry(registry: Registry, logger: Logger): PaymentTelemetry {
  const outcomes = counter(registry, {
    name: 'payments_total',
    help: 'Payment state changes by outcome',
    labelNames: ['outcome'] as const,
    startAtZero: { outcome: PAYMENT_OUTCOMES },
  });
  const refunds = counter(registry, {
    name: 'payment_refunds_total',
    help: 'Refunds by reason (order_cancelled, late_capture, unknown_order, manual, unspecified)',
    labelNames: ['reason'] as const,
    startAtZero: { reason: REFUND_REASONS },
  });
  const refusals = counter(registry, {
    name: 'payment_charges_refused_total',
    help: 'Charges refused unprocessed, by reason (deadline_passed, order_cancelled)',
    labelNames: ['reason'] as const,
    startAtZero: { reason: CHARGE_REFUSALS },
  });

  return {
    changed: (outcome) => outcomes.inc({ outcome }),
    refunded(payment, reason) {
      outcomes.inc({ outcome: 'refunded' });
      refunds.inc({ reason });
      logger.log(UNEXPECTED.has(reason) ? 'warn' : 'info', 'payment refunded', {
        paymentId: payment.id,
        orderId: payment.orderId,
        amountCents: payment.amountCents,
        reason,
      });
    },
    refused(orderId, reason, deadline) {
      refusals.inc({ reason });
      logger.warn('charge refused unprocessed', {
        orderId,
        reason,
        ...(deadline !== undefined && { deadline: deadline.toISOString() }),
      });
    },
  };
}
