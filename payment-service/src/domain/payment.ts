import { PAYMENT_STATUSES, REFUND_REASONS } from '@shop/platform/api-contract';
export const CURRENCY = 'USD';

export { PAYMENT_STATUSES };
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * Why a payment was refunded. From order-service: `order_cancelled` (a confirmed order was cancelled),
 * `late_capture` (the charge landed on an order cancelled before it was confirmed), `unknown_order` (no such
 * order); `manual` an admin through the public API; `unspecified` an internal caller that gave none.
 */
export { REFUND_REASONS };
export type RefundReason = (typeof REFUND_REASONS)[number];

/** Why a charge was refused without being processed (payment_charges_refused_total{reason}). */
export const CHARGE_REFUSALS = ['deadline_passed', 'order_cancelled'] as const;
export type ChargeRefusal = (typeof CHARGE_REFUSALS)[number];

// A type alias (not an interface) so a payment is a plain record for CASL row checks.
export type Payment = {
  id: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: typeof CURRENCY;
  status: PaymentStatus;
  /** Only on DECLINED payments. */
  declineReason?: string;
  createdAt: string;
  /** Only on REFUNDED payments. */
  refundedAt?: string;
  /** Only on REFUNDED payments refunded since reasons are recorded. */
  refundReason?: RefundReason;
};

export interface ChargeRequest {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: typeof CURRENCY;
  token: string;
  /** Past this instant the charge is refused unprocessed (order-service always sends one). */
  deadline?: Date | undefined;
}

/** An order order-service announced as cancelled (OrderCancelled). */
export interface OrderCancellation {
  orderId: string;
  reason: string;
  cancelledAt: string;
}

/** Payment hooks run inside the payment's transaction (the outbox plugs in here) and must be synchronous. */
export interface PaymentHooks {
  onPaymentCaptured(payment: Payment): void;
  onPaymentRefunded(payment: Payment): void;
}

export const noPaymentHooks: PaymentHooks = {
  onPaymentCaptured() {},
  onPaymentRefunded() {},
};
