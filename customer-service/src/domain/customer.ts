export type CustomerRole = 'customer' | 'admin';
export const CUSTOMER_ROLES: readonly CustomerRole[] = ['customer', 'admin'];

/** A customer account as the rest of the service sees it (never with its password hash). */
export type Customer = {
  id: string;
  name: string;
  email: string;
  role: CustomerRole;
  createdAt: string;
  updatedAt: string;
};

/** What clients see of an account. */
export type CustomerProfile = {
  id: string;
  name: string;
  email: string;
  role: CustomerRole;
  createdAt: string;
};

export function toProfile(customer: Customer): CustomerProfile {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    role: customer.role,
    createdAt: customer.createdAt,
  };
}

/** Emails are compared and stored trimmed and lower-case, so `Ann@X.io` and `ann@x.io` are one account. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
