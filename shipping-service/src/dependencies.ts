import { type Db, type Outbox, immediateTransactor } from '@shop/platform';
import { createCancelledOrderRepository } from './data/cancelled-order-repository.js';
import { createShipmentRepository } from './data/shipment-repository.js';
import { createShipping, type Shipping } from './domain/shipping.js';
import { outboxShipmentEvents } from './events/shipment-events.js';

/** The shipping use cases on one database, publishing through its outbox. */
export function createShippingDependencies(options: { db: Db; outbox: Outbox; now?: () => Date }): Shipping {
  return createShipping({
    shipments: createShipmentRepository(options.db),
    cancelledOrders: createCancelledOrderRepository(options.db),
    events: outboxShipmentEvents(options.outbox),
    transaction: immediateTransactor(options.db),
    now: options.now ?? (() => new Date()),
  });
}
