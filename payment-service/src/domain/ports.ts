import type { OrderCancellation, Payment, PaymentStatus, RefundReason } from './payment.js';

/** The ports the payment domain owns; src/data implements them on SQLite. */

export interface PaymentFilter {
  /** Only this customer's payments; all customers' when undefined. */
  customerId?: string | undefined;
  status?: PaymentStatus | undefined;
  limit: number;
  offset: number;
}

export interface PaymentRepository {
  findById(id: string): Payment | undefined;
  findByOrderId(orderId: string): Payment | undefined;
  insert(payment: Payment): void;
  markRefunded(id: string, now: string, reason: RefundReason): boolean;
  recordCancellation(cancelled: OrderCancellation, now: string): void;
  findCancellation(orderId: string): OrderCancellation | undefined;
  list(filter: PaymentFilter): { rows: Payment[]; total: number };
}
