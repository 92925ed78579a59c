CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email')),
  recipient TEXT,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('SENT', 'FAILED')),
  failure_reason TEXT,
  -- One notification per event: a redelivered or duplicated event never notifies twice.
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE INDEX notifications_by_customer ON notifications (customer_id, created_at);
CREATE INDEX notifications_by_created ON notifications (created_at);

-- Contact details learnt from CustomerRegistered (or looked up at customer-service once).
CREATE TABLE customer_directory (
  customer_id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
