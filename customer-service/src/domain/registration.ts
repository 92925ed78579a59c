import { randomUUID } from 'node:crypto';
import { normaliseEmail, type Customer } from './customer.js';
import { emailTaken, roleNotAllowed } from './errors.js';
import type { PasswordHasher } from './password-hashing.js';
import { assertStrongPassword } from './password-policy.js';
import type { Clock, CustomerStore, RunInTransaction } from './stores.js';

export interface RegistrationDeps {
  customers: CustomerStore;
  hasher: PasswordHasher;
  transaction: RunInTransaction;
  clock: Clock;
  /**
   * Called inside the registration transaction, so whatever it writes (the CustomerRegistered outbox row)
   * commits or rolls back with the account. Must be synchronous, like better-sqlite3 transactions.
   */
  onRegistered: (customer: Customer) => void;
}

export interface RegistrationRequest {
  name: string;
  email: string;
  password: string;
  /** Whatever role the client asked for, if any: only 'customer' may be self-assigned. */
  requestedRole?: unknown;
}

/** Refuses any self-assigned role but 'customer' (403), before anything else is looked at. */
export function assertSelfAssignableRole(requestedRole: unknown): void {
  if (requestedRole !== undefined && requestedRole !== 'customer') throw roleNotAllowed();
}

export async function registerCustomer(
  deps: RegistrationDeps,
  request: RegistrationRequest,
): Promise<Customer> {
  assertSelfAssignableRole(request.requestedRole);
  const email = normaliseEmail(request.email);
  assertStrongPassword(request.password, { email });
  // Checked before the (deliberately slow) hash too, so a duplicate costs nothing.
  if (deps.customers.emailTaken(email)) throw emailTaken();
  const passwordHash = await deps.hasher.hash(request.password);

  const now = deps.clock().toISOString();
  const customer: Customer = {
    id: randomUUID(),
    name: request.name,
    email,
    role: 'customer',
    createdAt: now,
    updatedAt: now,
  };
  await deps.transaction(() => {
    if (deps.customers.emailTaken(email)) throw emailTaken();
    deps.customers.insert({ ...customer, passwordHash });
    deps.onRegistered(customer);
  });
  return customer;
}
