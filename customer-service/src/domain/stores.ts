import type { Customer, CustomerRole } from './customer.js';

/** An account with its password hash: only the authentication use cases ever see it. */
export type CustomerCredentials = Customer & {
  passwordHash: string;
};

export interface CustomerPage {
  rows: Customer[];
  total: number;
}

/** Persistence the domain needs for accounts (implemented in data/customer-repository.ts). */
export interface CustomerStore {
  findById(id: string): Customer | undefined;
  findCredentialsByEmail(email: string): CustomerCredentials | undefined;
  emailTaken(email: string, exceptId?: string): boolean;
  insert(customer: CustomerCredentials): void;
  update(
    id: string,
    changes: { name?: string; email?: string; role?: CustomerRole },
    updatedAt: string,
  ): void;
  list(query: { offset: number; limit: number; search?: string | undefined }): CustomerPage;
  countByRole(role: CustomerRole): number;
  /** Every account with the role, oldest first. */
  listByRole(role: CustomerRole): Customer[];
  setPasswordHash(id: string, passwordHash: string, updatedAt: string): void;
}

export interface RefreshTokenRecord {
  id: string;
  tokenHash: string;
  familyId: string;
  customerId: string;
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
  replacedBy: string | null;
  /** When it was replaced, and by which client (see sessions.ts: the parallel-refresh grace window). */
  replacedAt?: string | null;
  replacedByClient?: string | null;
}

/** Persistence for refresh tokens, which exist only as SHA-256 hashes (data/refresh-token-repository.ts). */
export interface RefreshTokenStore {
  insert(
    token: Omit<RefreshTokenRecord, 'revokedAt' | 'replacedBy' | 'replacedAt' | 'replacedByClient'>,
  ): void;
  findByHash(tokenHash: string): RefreshTokenRecord | undefined;
  markReplaced(id: string, replacedBy: string, at?: string, client?: string): void;
  /** Revokes every not yet revoked token of the family; returns how many. */
  revokeFamily(familyId: string, at: string): number;
  /** Revokes every not yet revoked token of the customer, every login; returns how many. */
  revokeAllOf(customerId: string, at: string): number;
  deleteExpired(before: string): number;
}

/**
 * Runs `work` (synchronous, as better-sqlite3 is) in one database transaction; waits without blocking while
 * another process holds the database, and rejects with a 503 database_busy error if that lasts.
 */
export type RunInTransaction = <T>(work: () => T) => Promise<T>;

export type Clock = () => Date;
