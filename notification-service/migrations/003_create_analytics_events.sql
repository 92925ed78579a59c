-- Behaviour events from clients (source 'client') and business facts from the bus (source 'bus'). No
-- personal data: no customer id, no e-mail, no token; properties are bounded and checked on the way in.
CREATE TABLE analytics_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('client', 'bus')),
  occurred_at TEXT NOT NULL,
  signed_in INTEGER NOT NULL DEFAULT 0,
  amount_cents INTEGER,
  properties TEXT
);

CREATE INDEX analytics_events_by_time ON analytics_events (occurred_at, type);
