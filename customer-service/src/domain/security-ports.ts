import type { Budget, RevocationEntry, RevocationPage } from '@shop/platform/runtime';

/** What the client address is read from (an HTTP request; a Koa context is one). */
export interface ClientRequest {
  get(field: string): string;
  socket: { remoteAddress?: string | undefined };
}

export type RevocationReason = 'logout' | 'role_change' | 'password_change' | 'email_change';

/** Revocations of access tokens (data/revocation-repository.ts): the feed's table. */
export interface RevocationStore {
  record(entry: RevocationEntry & { reason: RevocationReason }): void;
  /** Entries after `cursor` that are still in force at `nowMs`, at most `limit`; `next` is the cursor to ask from. */
  pageAfter(cursor: number, nowMs: number, limit?: number): RevocationPage;
  deleteExpired(nowMs: number): number;
}

/** Password hashes by account, and every refresh token of an account at once (data/credential-repository.ts). */
export interface CredentialStore {
  passwordHashOf(customerId: string): string | undefined;
  setPasswordHash(customerId: string, passwordHash: string, updatedAt: string): void;
  /** Revokes every not yet revoked refresh token of the account (all its families); returns how many. */
  revokeAllRefreshTokens(customerId: string, at: string): number;
}

/** The budgets customer-service keeps itself, whoever calls it (the gateway's limiter is the first line). */
export interface AuthBudgets {
  /** Failed logins per e-mail (RATE_LIMIT_LOGIN_EMAIL_POINTS per RATE_LIMIT_LOGIN_DURATION_SECONDS). */
  loginEmail: Budget;
  /** Failed logins per client address (RATE_LIMIT_LOGIN_IP_POINTS). */
  loginIp: Budget;
  /** Registrations per client address (RATE_LIMIT_REGISTER_POINTS per RATE_LIMIT_REGISTER_DURATION_SECONDS). */
  register: Budget;
}

/**
 * Ends every access token of an account issued before now: recorded for the feed and applied to this process
 * at once. Called inside the transaction of the change that causes it.
 */
export type RevokeAccess = (customerId: string, reason: RevocationReason) => void;

/** What customer-service's defences add to its use cases (built in src/data/security-wiring.ts). */
export interface SecurityDependencies {
  revocationStore: RevocationStore;
  revokeAccess: RevokeAccess;
  credentials: CredentialStore;
  budgets: AuthBudgets;
  /** The login per-e-mail budget, also spent by wrong current passwords. */
  passwordAttempts: AuthBudgets['loginEmail'];
  refreshReuseGraceMs: number;
  /**
   * The client a request comes from: the address the gateway vouched for (`X-Forwarded-Client`, signed with
   * the platform key), else the socket's address. A caller that reaches the service directly cannot pick it.
   */
  clientAddress: (request: ClientRequest) => string;
}
