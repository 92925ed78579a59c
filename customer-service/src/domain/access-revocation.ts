import type { RevocationList } from '@shop/platform/runtime';
import type { RevokeAccess, RevocationStore } from './security-ports.js';

export type { RevokeAccess };

export function accessRevoker(options: {
  store: RevocationStore;
  /** The longest an access token lives plus the clock skew: after that the entry has nothing left to refuse. */
  lifetimeMs: number;
  /** This process's list (customer-service authenticates requests too). */
  list?: RevocationList | undefined;
  now?: () => number;
}): RevokeAccess {
  const now = options.now ?? Date.now;
  return (customerId, reason) => {
    const revokedAtMs = now();
    const entry = { customerId, revokedAtMs, expiresAtMs: revokedAtMs + options.lifetimeMs };
    options.store.record({ ...entry, reason });
    options.list?.add(entry);
  };
}
