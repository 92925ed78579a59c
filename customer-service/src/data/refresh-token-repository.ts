import type { Db } from '@shop/platform/runtime';
import type { RefreshTokenRecord, RefreshTokenStore } from '../domain/stores.js';

interface RefreshTokenRow {
  id: string;
  token_hash: string;
  family_id: string;
  customer_id: string;
  expires_at: string;
  created_at: string;
  revoked_at: string | null;
  replaced_by: string | null;
  replaced_at: string | null;
  replaced_by_client: string | null;
}

function toRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    familyId: row.family_id,
    customerId: row.customer_id,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    replacedBy: row.replaced_by,
    replacedAt: row.replaced_at,
    replacedByClient: row.replaced_by_client,
  };
}

export function createRefreshTokenRepository(db: Db): RefreshTokenStore {
  const insert = db.prepare(
    `INSERT INTO refresh_tokens (id, token_hash, family_id, customer_id, expires_at, created_at)
     VALUES (@id, @tokenHash, @familyId, @customerId, @expiresAt, @createdAt)`,
  );
  const byHash = db.prepare<[string], RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?');
  const markReplaced = db.prepare<[string, string | null, string | null, string]>(
    'UPDATE refresh_tokens SET replaced_by = ?, replaced_at = ?, replaced_by_client = ? WHERE id = ?',
  );
  const revokeFamily = db.prepare<[string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
  );
  const revokeAllOf = db.prepare<[string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE customer_id = ? AND revoked_at IS NULL',
  );
  const deleteExpired = db.prepare<[string]>('DELETE FROM refresh_tokens WHERE expires_at < ?');

  return {
    insert(token) {
      insert.run(token);
    },
    findByHash(tokenHash) {
      const row = byHash.get(tokenHash);
      return row ? toRecord(row) : undefined;
    },
    markReplaced(id, replacedBy, at, client) {
      markReplaced.run(replacedBy, at ?? null, client ?? null, id);
    },
    revokeFamily(familyId, at) {
      return revokeFamily.run(at, familyId).changes;
    },
    revokeAllOf(customerId, at) {
      return revokeAllOf.run(at, customerId).changes;
    },
    deleteExpired(before) {
      return deleteExpired.run(before).changes;
    },
  };
}
