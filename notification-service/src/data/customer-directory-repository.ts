import type { Db } from '@shop/platform/runtime';
import type { Contact } from '../domain/notification.js';
import type { CustomerDirectory } from '../domain/ports.js';

export function createCustomerDirectoryRepository(db: Db): CustomerDirectory {
  const find = db.prepare<[string], Contact>('SELECT email, name FROM customer_directory WHERE customer_id = ?');
  const save = db.prepare(
    `INSERT INTO customer_directory (customer_id, email, name, updated_at) VALUES (@customerId, @email, @name, @at)
     ON CONFLICT (customer_id) DO UPDATE SET email = excluded.email, name = excluded.name, updated_at = excluded.updated_at`,
  );
  return {
    find: (customerId) => find.get(customerId),
    save: (customerId, contact, at) => {
      save.run({ customerId, email: contact.email, name: contact.name, at });
    },
  };
}
