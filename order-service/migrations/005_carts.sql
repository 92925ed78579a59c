-- One cart per customer (docs/features/cart.md). checkout_order_id is set in the transaction that creates the
-- checkout's order and cleared when the cart is settled against it: emptied when the order exists and is not
-- cancelled, kept when it was refused. A cart left with it set (the process stopped in between) is settled on
-- its next use, so the cart never empties without an order and never survives one.
CREATE TABLE carts (
  customer_id TEXT PRIMARY KEY,
  checkout_order_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX carts_updated_at ON carts (updated_at);

CREATE TABLE cart_items (
  customer_id TEXT NOT NULL REFERENCES carts (customer_id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  added_at TEXT NOT NULL,
  PRIMARY KEY (customer_id, product_id)
);
