import { forbidden, notFound } from '@shop/platform/runtime';
import { normaliseEmail, type Customer } from './customer.js';
import { emailTaken } from './errors.js';
import type { Clock, CustomerStore, RunInTransaction } from './stores.js';

export interface ProfileDeps {
  customers: CustomerStore;
  transaction: RunInTransaction;
  clock: Clock;
}

export type ProfileField = 'name' | 'email';
export type ProfileChanges = Partial<Record<ProfileField, string>>;

/** The caller's permission check on the row itself (CASL in the HTTP layer). */
export type RowCheck<A extends unknown[] = []> = (customer: Customer, ...args: A) => boolean;

export function getProfile(deps: ProfileDeps, customerId: string, mayRead: RowCheck): Customer {
  const customer = deps.customers.findById(customerId);
  if (!customer || !mayRead(customer)) throw notFound('Customer');
  return customer;
}

/** Changes name and/or email; every field is checked against the row, a taken email is 409. */
export function updateProfile(
  deps: ProfileDeps,
  request: {
    customerId: string;
    changes: ProfileChanges;
    mayUpdate: RowCheck<[ProfileField]>;
    /** Runs inside the transaction when the email really changes (ends the account's sessions). */
    onEmailChanged?: (customerId: string) => void;
  },
): Promise<Customer> {
  return deps.transaction(() => {
    const customer = deps.customers.findById(request.customerId);
    if (!customer) throw notFound('Customer');
    const fields = Object.keys(request.changes) as ProfileField[];
    for (const field of fields) {
      if (!request.mayUpdate(customer, field)) throw forbidden(`You may not change ${field}`);
    }
    const changes: ProfileChanges = { ...request.changes };
    if (changes.email !== undefined) {
      changes.email = normaliseEmail(changes.email);
      if (deps.customers.emailTaken(changes.email, customer.id)) throw emailTaken();
    }
    const updatedAt = deps.clock().toISOString();
    deps.customers.update(customer.id, changes, updatedAt);
    if (changes.email !== undefined && changes.email !== customer.email)
      request.onEmailChanged?.(customer.id);
    return { ...customer, ...changes, updatedAt };
  });
}
