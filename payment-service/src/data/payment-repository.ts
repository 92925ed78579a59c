import type { Db } from '@shop/platform/runtime';
import {
  CURRENCY,
  type OrderCancellation,
  type Payment,
  type PaymentStatus,
  type RefundReason,
} from '../domain/payment.js';
import type { PaymentFilter, PaymentRepository } from '../domain/ports.js';

interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount_cents: number;
  status: PaymentStatus;
  decline_reason: string | null;
  created_at: string;
  refunded_at: string | null;
  refund_reason: RefundReason | null;
}

const COLUMNS =
  'id, order_id, customer_id, amount_cents, status, decline_reason, created_at, refunded_at, refund_reason';

function toPayment(row: PaymentRow): Payment {
  const payment: Payment = {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    amountCents: row.amount_cents,
    currency: CURRENCY,
    status: row.status,
    createdAt: row.created_at,
  };
  if (row.decline_reason !== null) payment.declineReason = row.decline_reason;
  if (row.refunded_at !== null) payment.refundedAt = row.refunded_at;
  if (row.refund_reason !== null) payment.refundReason = row.refund_reason;
  return payment;
}

export function createPaymentRepository(db: Db): PaymentRepository {
  const byId = db.prepare<[string], PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = ?`);
  const byOrder = db.prepare<[string], PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE order_id = ?`);
  const insert = db.prepare<{
    id: string;
    orderId: string;
    customerId: string;
    amountCents: number;
    currency: string;
    status: PaymentStatus;
    declineReason: string | null;
    createdAt: string;
  }>(
    `INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, decline_reason, created_at, updated_at)
     VALUES (@id, @orderId, @customerId, @amountCents, @currency, @status, @declineReason, @createdAt, @createdAt)`,
  );
  const markRefunded = db.prepare<[string, string, RefundReason, string]>(
    `UPDATE payments SET status = 'REFUNDED', refunded_at = ?, updated_at = ?, refund_reason = ?
     WHERE id = ? AND status = 'CAPTURED'`,
  );
  const insertCancellation = db.prepare<[string, string, string, string]>(
    `INSERT INTO cancelled_orders (order_id, reason, cancelled_at, recorded_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (order_id) DO NOTHING`,
  );
  const cancellation = db.prepare<[string], { order_id: string; reason: string; cancelled_at: string }>(
    'SELECT order_id, reason, cancelled_at FROM cancelled_orders WHERE order_id = ?',
  );
  const where = '(@customerId IS NULL OR customer_id = @customerId) AND (@status IS NULL OR status = @status)';
  const page = db.prepare<{ customerId: string | null; status: string | null; limit: number; offset: number }, PaymentRow>(
    `SELECT ${COLUMNS} FROM payments WHERE ${where} ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`,
  );
  const count = db.prepare<{ customerId: string | null; status: string | null }, { n: number }>(
    `SELECT COUNT(*) AS n FROM payments WHERE ${where}`,
  );

  return {
    findById(id: string): Payment | undefined {
      const row = byId.get(id);
      return row ? toPayment(row) : undefined;
    },

    findByOrderId(orderId: string): Payment | undefined {
      const row = byOrder.get(orderId);
      return row ? toPayment(row) : undefined;
    },

    insert(payment: Payment): void {
      insert.run({
        id: payment.id,
        orderId: payment.orderId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        currency: payment.currency,
        status: payment.status,
        declineReason: payment.declineReason ?? null,
        createdAt: payment.createdAt,
      });
    },

    /** CAPTURED -> REFUNDED; false when the payment was not CAPTURED. */
    markRefunded(id: string, now: string, reason: RefundReason): boolean {
      return markRefunded.run(now, now, reason, id).changes === 1;
    },

    /** Records an order's cancellation; a repeat keeps the first record. */
    recordCancellation(cancelled: OrderCancellation, now: string): void {
      insertCancellation.run(cancelled.orderId, cancelled.reason, cancelled.cancelledAt, now);
    },

    findCancellation(orderId: string): OrderCancellation | undefined {
      const row = cancellation.get(orderId);
      return row && { orderId: row.order_id, reason: row.reason, cancelledAt: row.cancelled_at };
    },

    list(filter: PaymentFilter): { rows: Payment[]; total: number } {
      const params = { customerId: filter.customerId ?? null, status: filter.status ?? null };
      const rows = page.all({ ...params, limit: filter.limit, offset: filter.offset });
      return { rows: rows.map(toPayment), total: count.get(params)?.n ?? 0 };
    },
  };
}
