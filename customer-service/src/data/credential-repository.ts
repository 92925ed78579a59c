import type { Db } from '@shop/platform/runtime';
import type { CredentialStore } from '../domain/security-ports.js';


export function createCredentialRepository(db: Db): CredentialStore {
  const hashOf = db.prepare<[string], { password_hash: string }>('SELECT password_hash FROM customers WHERE id = ?');
  const setHash = db.prepare<[string, string, string]>(
    'UPDATE customers SET password_hash = ?, updated_at = ? WHERE id = ?',
  );
  const revokeAll = db.prepare<[string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE customer_id = ? AND revoked_at IS NULL',
  );
  return {
    passwordHashOf: (customerId) => hashOf.get(customerId)?.password_hash,
    setPasswordHash(customerId, passwordHash, updatedAt) {
      setHash.run(passwordHash, updatedAt, customerId);
    },
    revokeAllRefreshTokens: (customerId, at) => revokeAll.run(at, customerId).changes,
  };
}
