-- When the customer marked the notification read (POST /api/notifications/:id/read); NULL while unread.
ALTER TABLE notifications ADD COLUMN read_at TEXT;
