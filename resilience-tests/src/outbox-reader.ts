import { openReadOnly, quoted } from './sqlite-reader.js';

/** One event of a service's transactional outbox, as stored. */
export interface OutboxEvent {
  eventId: string;
  type: string;
  /** null while the relay has not had the transport confirm it. */
  sentAt: string | null;
  /** The order the event is about, when its data names one. */
  orderId: string | undefined;
}

/** The outbox of a service's SQLite file (read-only; empty when the file or the table does not exist). */
export function readOutbox(databaseFile: string): OutboxEvent[] {
  const reader = openReadOnly(databaseFile);
  if (!reader) return [];
  try {
    const table = reader.table('event_outbox');
    if (!table) return [];
    const rows = reader.all<{ eventId: string; type: string; sentAt: string | null; envelope: string }>(
      `SELECT event_id AS eventId, type, sent_at AS sentAt, envelope FROM ${quoted(table)} ORDER BY seq`,
    );
    return rows.map((row) => {
      const data = (JSON.parse(row.envelope) as { data?: { orderId?: unknown } }).data;
      return {
        eventId: row.eventId,
        type: row.type,
        sentAt: row.sentAt,
        orderId: typeof data?.orderId === 'string' ? data.orderId : undefined,
      };
    });
  } finally {
    reader.close();
  }
}
