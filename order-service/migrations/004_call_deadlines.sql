-- The deadlines the saga gives inventory (reservation) and payment (charge): past them those services refuse
-- the call, so only then is their "not found" final. NULL for orders created before this migration; the
-- service then assumes created_at + ORDER_CALL_DEADLINE_MS.
ALTER TABLE orders ADD COLUMN reserve_deadline TEXT;
ALTER TABLE orders ADD COLUMN charge_deadline TEXT;

-- Follow-up tasks may now undo a capture or a reservation made for an order this service does not know
-- (learnt from PaymentCaptured / StockReserved), so the foreign key to orders goes. Each task keeps the
-- correlation ID it was created under: its retries log and call under it.
CREATE TABLE order_tasks_v2 (
  order_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('commit_reservation', 'release_reservation', 'refund_payment', 'reconcile_payment')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  correlation_id TEXT,
  PRIMARY KEY (order_id, kind)
);
INSERT INTO order_tasks_v2 (order_id, kind, attempts, next_attempt_at, last_error, created_at)
  SELECT order_id, kind, attempts, next_attempt_at, last_error, created_at FROM order_tasks;
DROP TABLE order_tasks;
ALTER TABLE order_tasks_v2 RENAME TO order_tasks;
CREATE INDEX order_tasks_due ON order_tasks (next_attempt_at);
