-- One payment per order, enforced by the database: a duplicate charge can never capture twice.
-- Card tokens are not stored (docs/architecture.md#observability: never card data).
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE,
  customer_id TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  currency TEXT NOT NULL CHECK (currency = 'USD'),
  status TEXT NOT NULL CHECK (status IN ('CAPTURED', 'DECLINED', 'REFUNDED')),
  decline_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  refunded_at TEXT
);

CREATE INDEX payments_customer ON payments (customer_id, created_at);
CREATE INDEX payments_created ON payments (created_at);
