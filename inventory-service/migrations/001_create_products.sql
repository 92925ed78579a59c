-- AUTOINCREMENT: a deleted product's id is never handed to a new product (orders keep pointing at it).
CREATE TABLE products (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  -- Lower-cased "name\ndescription", folded in JS so that q matches case-insensitively beyond ASCII.
  search_text TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents > 0),
  currency TEXT NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
  stock INTEGER NOT NULL CHECK (stock >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX products_created_at ON products (created_at, id);
CREATE INDEX products_price ON products (price_cents, id);
CREATE INDEX products_name ON products (name COLLATE NOCASE, id);
