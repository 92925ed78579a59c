import type { Db } from '@shop/platform';
import { createCustomerDirectoryRepository } from './data/customer-directory-repository.js';
import { createNotificationRepository } from './data/notification-repository.js';
import { createNotifier, type Notifier } from './domain/notifier.js';
import type { CustomerLookup, NotificationSender, OrderLookup } from './domain/ports.js';

/** The notification use cases on one database. */
export function createNotificationDependencies(options: {
  db: Db;
  sender: NotificationSender;
  lookup: CustomerLookup;
  orders: OrderLookup;
  now?: () => Date;
}): Notifier {
  return createNotifier({
    notifications: createNotificationRepository(options.db),
    directory: createCustomerDirectoryRepository(options.db),
    lookup: options.lookup,
    orders: options.orders,
    sender: options.sender,
    now: options.now ?? (() => new Date()),
  });
}
