import type { Db } from '@shop/platform/runtime';
import type { Notification, NotificationStatus, NotifyingEvent } from '../domain/notification.js';
import type { NotificationPage, NotificationQuery, NotificationStore } from '../domain/ports.js';

interface NotificationRow {
  id: string;
  customer_id: string;
  channel: 'email';
  recipient: string | null;
  subject: string;
  body: string;
  status: NotificationStatus;
  failure_reason: string | null;
  event_id: string;
  event_type: NotifyingEvent;
  correlation_id: string;
  created_at: string;
  read_at: string | null;
}

function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    customerId: row.customer_id,
    channel: row.channel,
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    status: row.status,
    ...(row.failure_reason === null ? {} : { failureReason: row.failure_reason }),
    eventId: row.event_id,
    eventType: row.event_type,
    correlationId: row.correlation_id,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

// Optional filters as `(@x IS NULL OR column = @x)`: one prepared statement serves every combination.
const FILTER = `(@customerId IS NULL OR customer_id = @customerId)
  AND (@eventType IS NULL OR event_type = @eventType)
  AND (@status IS NULL OR status = @status)
  AND (@unread IS NULL OR read_at IS NULL)`;

export function createNotificationRepository(db: Db): NotificationStore {
  const insert = db.prepare(
    `INSERT INTO notifications (id, customer_id, channel, recipient, subject, body, status, failure_reason,
       event_id, event_type, correlation_id, created_at)
     VALUES (@id, @customerId, @channel, @recipient, @subject, @body, @status, @failureReason,
       @eventId, @eventType, @correlationId, @createdAt)`,
  );
  const byId = db.prepare<[string], NotificationRow>('SELECT * FROM notifications WHERE id = ?');
  const byEvent = db.prepare<[string], NotificationRow>('SELECT * FROM notifications WHERE event_id = ?');
  const page = db.prepare(
    `SELECT * FROM notifications WHERE ${FILTER} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`,
  );
  const count = db.prepare(`SELECT COUNT(*) FROM notifications WHERE ${FILTER}`).pluck();
  const markRead = db.prepare<[string, string]>('UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL');

  return {
    insert: (notification) => {
      insert.run({ ...notification, failureReason: notification.failureReason ?? null });
    },
    findById: (id) => {
      const row = byId.get(id);
      return row && toNotification(row);
    },
    findByEventId: (eventId) => {
      const row = byEvent.get(eventId);
      return row && toNotification(row);
    },
    markRead: (id, at) => {
      markRead.run(at, id);
      const row = byId.get(id);
      return row && toNotification(row);
    },
    list: (query: NotificationQuery): NotificationPage => {
      const filter = {
        customerId: query.customerId ?? null,
        eventType: query.eventType ?? null,
        status: query.status ?? null,
        unread: query.unread === true ? 1 : null,
      };
      return {
        rows: (page.all({ ...filter, limit: query.limit, offset: query.offset }) as NotificationRow[]).map(
          toNotification,
        ),
        total: count.get(filter) as number,
      };
    },
  };
}
