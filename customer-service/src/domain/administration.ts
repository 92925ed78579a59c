import { notFound } from '@shop/platform/runtime';
import { toProfile, type Customer, type CustomerProfile, type CustomerRole } from './customer.js';
import { lastAdmin } from './errors.js';
import type { RowCheck } from './profile.js';
import type { Clock, CustomerStore, RunInTransaction } from './stores.js';
import type { RevokeAccess } from './access-revocation.js';

export interface AdministrationDeps {
  customers: CustomerStore;
  transaction: RunInTransaction;
  clock: Clock;
  /** Ends the account's access tokens issued before a role change. */
  revokeAccess?: RevokeAccess | undefined;
}

export interface CustomerListing {
  data: CustomerProfile[];
  pagination: { page: number; limit: number; total: number };
}

export function listCustomers(
  deps: AdministrationDeps,
  query: { page: number; limit: number; search?: string | undefined },
): CustomerListing {
  const { rows, total } = deps.customers.list({
    offset: (query.page - 1) * query.limit,
    limit: query.limit,
    search: query.search,
  });
  return { data: rows.map(toProfile), pagination: { page: query.page, limit: query.limit, total } };
}

/**
 * Sets an account's role. The last admin cannot be demoted, so the platform never ends up without one.
 * Every access token of the account issued before the change is revoked (refused within seconds everywhere);
 * the new role reaches the account at its next login or refresh.
 */
export function changeRole(
  deps: AdministrationDeps,
  request: { customerId: string; role: CustomerRole; mayChangeRole: RowCheck },
): Promise<Customer> {
  return deps.transaction(() => {
    const customer = deps.customers.findById(request.customerId);
    if (!customer || !request.mayChangeRole(customer)) throw notFound('Customer');
    if (customer.role === request.role) return customer;
    if (customer.role === 'admin' && deps.customers.countByRole('admin') <= 1) throw lastAdmin();
    const updatedAt = deps.clock().toISOString();
    deps.customers.update(customer.id, { role: request.role }, updatedAt);
    deps.revokeAccess?.(customer.id, 'role_change');
    return { ...customer, role: request.role, updatedAt };
  });
}

/** What other services may know about a customer (notification-service addresses messages with it). */
export function customerContact(
  deps: Pick<AdministrationDeps, 'customers'>,
  customerId: string,
  mayRead: RowCheck,
): { id: string; name: string; email: string } {
  const customer = deps.customers.findById(customerId);
  if (!customer || !mayRead(customer)) throw notFound('Customer');
  return { id: customer.id, name: customer.name, email: customer.email };
}
