-- Every access token of customer_id issued before revoked_at_ms is refused until expires_at_ms (revoked_at_ms
-- plus the longest an access token may live). Written on logout, role, password and email changes; read by
-- the internal revocation feed (GET /internal/revocations?after=<seq>), which the gateway and the services
-- poll. seq is the feed's cursor.
CREATE TABLE session_revocations (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id    TEXT NOT NULL,
  revoked_at_ms  INTEGER NOT NULL,
  expires_at_ms  INTEGER NOT NULL,
  reason         TEXT NOT NULL CHECK (reason IN ('logout', 'role_change', 'password_change', 'email_change'))
);

CREATE INDEX session_revocations_expires ON session_revocations (expires_at_ms);

-- When a refresh token was replaced, and by which client (address and user agent, hashed): the same client
-- presenting it again within the grace window (parallel refreshes) gets a new pair instead of a family revocation.
ALTER TABLE refresh_tokens ADD COLUMN replaced_at TEXT;
ALTER TABLE refresh_tokens ADD COLUMN replaced_by_client TEXT;
