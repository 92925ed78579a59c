export const PAYMENT_OUTCOMES = ['captured', 'declined', 'refunded'] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

/** payments_total: counted once per state change, never for an idempotent repeat. */
export interface OutcomeCounter {
  inc(labels: { outcome: PaymentOutcome }): void;
}
