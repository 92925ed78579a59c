import type { Outbox } from '@shop/platform/runtime';
import type { Customer } from '../domain/customer.js';

/** The registration hook that writes CustomerRegistered into the outbox, inside the registration transaction. */
export function publishCustomerRegistered(outbox: Outbox): (customer: Customer) => void {
  return (customer) => {
    outbox.add('CustomerRegistered', { customerId: customer.id, email: customer.email, name: customer.name });
  };
}
