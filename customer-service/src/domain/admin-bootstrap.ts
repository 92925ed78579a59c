import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError } from '@shop/platform/runtime';
import { normaliseEmail, type Customer } from './customer.js';
import type { PasswordHasher } from './password-hashing.js';
import { PASSWORD_RULES_MESSAGE, passwordViolations } from './password-policy.js';
import type { Clock, CustomerStore, RunInTransaction } from './stores.js';

export interface AdminBootstrapDeps {
  customers: CustomerStore;
  hasher: PasswordHasher;
  transaction: RunInTransaction;
  clock: Clock;
}

export type AdminBootstrapResult =
  | { created: false }
  /** `generatedPassword` is set only when no password was configured: the caller shows it once. */
  | { created: true; admin: Customer; generatedPassword: string | undefined };

export function generateStrongPassword(email: string): string {
  for (;;) {
    const candidate = randomBytes(18).toString('base64url');
    if (passwordViolations(candidate, { email }).length === 0) return candidate;
  }
}

/**
 * Makes sure an admin exists: when none does, creates one with `settings.email` and the configured
 * password, or a generated one. Idempotent: once any admin exists it does nothing.
 */
export async function ensureAdminAccount(
  deps: AdminBootstrapDeps,
  settings: { email: string; password?: string | undefined },
): Promise<AdminBootstrapResult> {
  if (deps.customers.countByRole('admin') > 0) return { created: false };
  const email = normaliseEmail(settings.email);
  if (settings.password !== undefined && passwordViolations(settings.password, { email }).length > 0) {
    throw new ConfigError(`Invalid configuration: ADMIN_PASSWORD is too weak. ${PASSWORD_RULES_MESSAGE}`);
  }
  // Promoting an existing account would hand admin rights to whoever registered that address first.
  if (deps.customers.emailTaken(email)) {
    throw new ConfigError(
      `Invalid configuration: no admin exists and ADMIN_EMAIL ${email} belongs to a non-admin account; choose another ADMIN_EMAIL`,
    );
  }
  const password = settings.password ?? generateStrongPassword(email);
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock().toISOString();
  const admin: Customer = {
    id: randomUUID(),
    name: 'Administrator',
    email,
    role: 'admin',
    createdAt: now,
    updatedAt: now,
  };

  const created = await deps.transaction(() => {
    if (deps.customers.countByRole('admin') > 0) return false;
    deps.customers.insert({ ...admin, passwordHash });
    return true;
  });
  if (!created) return { created: false };
  return { created: true, admin, generatedPassword: settings.password === undefined ? password : undefined };
}
