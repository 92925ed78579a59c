-- Orders and their lines. Prices and names are copied from the inventory reservation (never from the client);
-- they stay NULL while an order is PENDING and not yet priced, or when it was rejected before pricing.
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  cancel_reason TEXT,
  total_cents INTEGER CHECK (total_cents IS NULL OR total_cents >= 0),
  currency TEXT NOT NULL DEFAULT 'USD',
  payment_id TEXT,
  -- How far the saga got: 'reserving' (payment never called), 'charging' (a charge may exist), 'settled'.
  saga_step TEXT NOT NULL CHECK (saga_step IN ('reserving', 'charging', 'settled')),
  recovery_attempts INTEGER NOT NULL DEFAULT 0,
  next_recovery_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC);
CREATE INDEX orders_status_created ON orders (status, created_at);

CREATE TABLE order_lines (
  order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line_no INTEGER NOT NULL,
  product_id INTEGER NOT NULL CHECK (product_id > 0),
  name TEXT,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER CHECK (unit_price_cents IS NULL OR unit_price_cents >= 0),
  PRIMARY KEY (order_id, product_id)
);

-- Durable follow-up work on other services (commit, release, refund, payment reconciliation). Written in the
-- same transaction as the status change that requires it, run at once, retried by the recovery worker until
-- it succeeds: a crash or an unreachable dependency never loses a compensation.
CREATE TABLE order_tasks (
  order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('commit_reservation', 'release_reservation', 'refund_payment', 'reconcile_payment')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (order_id, kind)
);
CREATE INDEX order_tasks_due ON order_tasks (next_attempt_at);

-- Idempotency-Key records, per customer. The request hash is over the normalised command, so fields the
-- server ignores (prices, totals, statuses...) do not make two requests different.
CREATE TABLE idempotency_keys (
  customer_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
  order_id TEXT,
  response_status INTEGER,
  response_headers TEXT,
  response_body TEXT,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  PRIMARY KEY (customer_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
