CREATE TABLE shipments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE,
  customer_id TEXT NOT NULL,
  carrier TEXT NOT NULL,
  tracking_number TEXT NOT NULL UNIQUE,
  estimated_delivery TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('SCHEDULED', 'IN_TRANSIT', 'DELIVERED', 'CANCELLED')),
  correlation_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX shipments_by_customer ON shipments (customer_id, created_at);
CREATE INDEX shipments_by_created ON shipments (created_at);

-- Orders cancelled before their OrderConfirmed arrived (events may come out of order): a late
-- OrderConfirmed for one of these never schedules a shipment.
CREATE TABLE cancelled_orders (
  order_id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  cancelled_at TEXT NOT NULL
);
