import { generateStrongPassword } from './admin-bootstrap.js';
import { normaliseEmail, type Customer } from './customer.js';
import type { PasswordHasher } from './password-hashing.js';
import { PASSWORD_RULES_MESSAGE, passwordViolations } from './password-policy.js';
import type { RevocationStore } from './security-ports.js';
import type { Clock, CustomerStore, RefreshTokenStore, RunInTransaction } from './stores.js';

export interface PasswordResetDeps {
  customers: CustomerStore;
  refreshTokens: RefreshTokenStore;
  hasher: PasswordHasher;
  transaction: RunInTransaction;
  clock: Clock;
  /** The revocation feed's table: the reset ends the account's access tokens like a password change. */
  revocations: RevocationStore;
  /** How long a revocation is kept: the longest an access token lives plus the clock skew. */
  revocationLifetimeMs: number;
}

/** Why a reset was refused; the message says what to do instead. Nothing was changed. */
export class PasswordResetRefused extends Error {
  override readonly name = 'PasswordResetRefused';
}

export interface PasswordResetResult {
  admin: Customer;
  /** Set when no password was given: the caller shows it once. */
  generatedPassword: string | undefined;
  /** Refresh tokens revoked: every session of the account must log in again. */
  revokedSessions: number;
}

/** The admin whose password is reset: the one named by e-mail, or the only admin when none is named. */
function chooseAdmin(customers: CustomerStore, email: string | undefined): Customer {
  const admins = customers.listByRole('admin');
  if (email === undefined) {
    if (admins.length === 1) return admins[0] as Customer;
    if (admins.length === 0) {
      throw new PasswordResetRefused(
        'There is no admin account. Start the stack once: the first start creates one (ADMIN_EMAIL, ADMIN_PASSWORD).',
      );
    }
    throw new PasswordResetRefused(
      `There are ${admins.length} admins (${admins.map((admin) => admin.email).join(', ')}): choose one with --email.`,
    );
  }
  const wanted = normaliseEmail(email);
  const admin = admins.find((candidate) => candidate.email === wanted);
  if (admin === undefined) {
    const known = admins.map((candidate) => candidate.email).join(', ') || 'none';
    throw new PasswordResetRefused(`${wanted} is not an admin account (admins: ${known}).`);
  }
  return admin;
}

/**
 * Gives an admin account a new password, the one given (it must pass the password policy) or a generated one,
 * revokes every refresh token of the account and records a revocation of its access tokens, in one
 * transaction: like a password change through the API, every access token issued before is refused once the
 * running services' revocation feed has read it (within seconds; the feed reads this table).
 */
export async function resetAdminPassword(
  deps: PasswordResetDeps,
  request: { email?: string | undefined; password?: string | undefined },
): Promise<PasswordResetResult> {
  const admin = chooseAdmin(deps.customers, request.email);
  if (request.password !== undefined) {
    const violations = passwordViolations(request.password, { email: admin.email });
    if (violations.length > 0) {
      throw new PasswordResetRefused(
        `The new password is too weak (${violations.join(', ')}). ${PASSWORD_RULES_MESSAGE}`,
      );
    }
  }
  const password = request.password ?? generateStrongPassword(admin.email);
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock().toISOString();
  const revokedSessions = await deps.transaction(() => {
    const current = deps.customers.findById(admin.id);
    if (current?.role !== 'admin') {
      throw new PasswordResetRefused(`${admin.email} stopped being an admin meanwhile; nothing was changed.`);
    }
    deps.customers.setPasswordHash(admin.id, passwordHash, now);
    const revokedAtMs = Date.now();
    deps.revocations.record({
      customerId: admin.id,
      revokedAtMs,
      expiresAtMs: revokedAtMs + deps.revocationLifetimeMs,
      reason: 'password_change',
    });
    return deps.refreshTokens.revokeAllOf(admin.id, now);
  });
  return {
    admin,
    generatedPassword: request.password === undefined ? password : undefined,
    revokedSessions,
  };
}
