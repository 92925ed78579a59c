import type { Db } from '@shop/platform/runtime';
import type { RevocationStore } from '../domain/security-ports.js';

interface RevocationRow {
  seq: number;
  customer_id: string;
  revoked_at_ms: number;
  expires_at_ms: number;
}

export function createRevocationRepository(db: Db): RevocationStore {
  const insert = db.prepare<[string, number, number, string]>(
    'INSERT INTO session_revocations (customer_id, revoked_at_ms, expires_at_ms, reason) VALUES (?, ?, ?, ?)',
  );
  const after = db.prepare<[number, number], RevocationRow>(
    'SELECT seq, customer_id, revoked_at_ms, expires_at_ms FROM session_revocations WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const deleteExpired = db.prepare<[number]>('DELETE FROM session_revocations WHERE expires_at_ms <= ?');
  return {
    record(entry) {
      insert.run(entry.customerId, entry.revokedAtMs, entry.expiresAtMs, entry.reason);
    },
    pageAfter(cursor, nowMs, limit = 500) {
      const rows = after.all(Math.max(0, cursor), limit);
      return {
        entries: rows
          .filter((row) => row.expires_at_ms > nowMs)
          .map((row) => ({
            customerId: row.customer_id,
            revokedAtMs: row.revoked_at_ms,
            expiresAtMs: row.expires_at_ms,
          })),
        next: rows.length === 0 ? cursor : (rows.at(-1) as RevocationRow).seq,
      };
    },
    deleteExpired(nowMs) {
      return deleteExpired.run(nowMs).changes;
    },
  };
}
