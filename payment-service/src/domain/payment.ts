export const CURRENCY = 'USD';

export const PAYMENT_STATUSES = ['CAPTURED', 'DECLINED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

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
};

export interface ChargeRequest {
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: typeof CURRENCY;
  token: string;
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
