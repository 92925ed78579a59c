CREATE TABLE reservations (
  order_id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('RESERVED', 'RELEASED', 'COMMITTED')),
  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
  currency TEXT NOT NULL CHECK (currency = 'USD'),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- No foreign key to products: a product may be deleted once none of its reservations is active,
-- and the lines keep the name and price the order was reserved at.
CREATE TABLE reservation_items (
  order_id TEXT NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  product_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, product_id)
);

CREATE INDEX reservation_items_product ON reservation_items (product_id);
