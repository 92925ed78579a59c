-- Why a payment was refunded (payment_refunds_total{reason}): order_cancelled, late_capture, unknown_order,
-- manual, or unspecified (a caller that gave none). NULL for refunds made before this column existed.
ALTER TABLE payments ADD COLUMN refund_reason TEXT;

-- Orders order-service announced as cancelled (OrderCancelled). A cancellation is final, so a charge for such
-- an order is refused, and only such an order's payment may be refunded through the public API.
CREATE TABLE cancelled_orders (
  order_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  cancelled_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
