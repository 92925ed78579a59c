import { AppError, assertAllowed, type Budget } from '@shop/platform/runtime';
import type { CredentialStore } from './security-ports.js';
import type { RevokeAccess } from './access-revocation.js';
import type { PasswordHasher } from './password-hashing.js';
import { assertStrongPassword } from './password-policy.js';
import type { Clock, CustomerStore, RunInTransaction } from './stores.js';

export interface CredentialDeps {
  customers: CustomerStore;
  credentials: CredentialStore;
  hasher: PasswordHasher;
  transaction: RunInTransaction;
  clock: Clock;
  revokeAccess: RevokeAccess;
  /** The login per-e-mail budget: guessing the current password here costs what guessing it at login does. */
  passwordAttempts?: Budget | undefined;
}

const invalidCurrentPassword = (): AppError =>
  new AppError('invalid_current_password', 'The current password is wrong', 403);

export const currentPasswordRequired = (): AppError =>
  new AppError('current_password_required', 'Send currentPassword to change your email', 400);

/**
 * Checks the account's current password, counted against the same per-e-mail budget as logins (429 once
 * spent), so a stolen access token cannot be used to guess it. A right answer clears that budget.
 */
export async function verifyCurrentPassword(
  deps: CredentialDeps,
  customerId: string,
  currentPassword: string,
): Promise<void> {
  const customer = deps.customers.findById(customerId);
  const stored = deps.credentials.passwordHashOf(customerId);
  if (!customer || stored === undefined) throw invalidCurrentPassword();
  if (deps.passwordAttempts) {
    assertAllowed(
      await deps.passwordAttempts.consume(customer.email),
      'rate_limited',
      'Too many password attempts, retry later',
    );
  }
  if (!(await deps.hasher.verify(currentPassword, stored))) throw invalidCurrentPassword();
  await deps.passwordAttempts?.reset(customer.email);
}

/**
 * A password change: the current password is checked, the new one must meet the policy; then, in one
 * transaction, the hash changes, every refresh token of the account is revoked and every access token issued
 * before now is revoked (the gateway and the services refuse them within seconds). The client logs in again.
 */
export async function changePassword(
  deps: CredentialDeps,
  request: { customerId: string; currentPassword: string; newPassword: string },
): Promise<void> {
  const customer = deps.customers.findById(request.customerId);
  if (!customer) throw invalidCurrentPassword();
  assertStrongPassword(request.newPassword, { email: customer.email });
  await verifyCurrentPassword(deps, request.customerId, request.currentPassword);
  const hash = await deps.hasher.hash(request.newPassword);
  await deps.transaction(() => {
    const now = deps.clock().toISOString();
    deps.credentials.setPasswordHash(request.customerId, hash, now);
    deps.credentials.revokeAllRefreshTokens(request.customerId, now);
    deps.revokeAccess(request.customerId, 'password_change');
  });
}

/** After an email change: every session of the account ends (refresh and access tokens). */
export function endSessionsAfterEmailChange(deps: CredentialDeps, customerId: string): void {
  deps.credentials.revokeAllRefreshTokens(customerId, deps.clock().toISOString());
  deps.revokeAccess(customerId, 'email_change');
}
