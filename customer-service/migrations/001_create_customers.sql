-- Emails are stored normalised (trimmed, lower-case), so UNIQUE is case-insensitive in effect.
CREATE TABLE customers (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('customer', 'admin')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE INDEX customers_role ON customers (role);
CREATE INDEX customers_created_at ON customers (created_at, id);

-- Refresh tokens are stored only as SHA-256 hashes. Tokens issued by one login form a family; each refresh
-- replaces the presented token (replaced_by) and presenting a replaced token again revokes the family.
CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  family_id   TEXT NOT NULL,
  customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  expires_at  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT,
  replaced_by TEXT
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_customer ON refresh_tokens (customer_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
