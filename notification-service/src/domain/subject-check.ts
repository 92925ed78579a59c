import { RejectedEventError, requireAggregate } from '@shop/platform';
import type { NotifyingEventEnvelope } from './notifier.js';
import type { CustomerLookup, OrderLookup } from './ports.js';

/**
 * Before a notification is recorded for an event, the aggregate it is about must exist at its owner: the
 * customer of a CustomerRegistered at customer-service, the order of every other event at order-service (and
 * the order must belong to the customer the event names). Throws RejectedEventError otherwise (the event is
 * dead-lettered, nobody is notified); rejects as is when the owner cannot answer (the event is retried).
 */
export async function assertSubjectExists(
  event: NotifyingEventEnvelope,
  owners: { orders: OrderLookup; customers: CustomerLookup },
): Promise<void> {
  const { customerId } = event.data;
  if (event.type === 'CustomerRegistered') {
    requireAggregate(
      await owners.customers.contactOf(customerId),
      'customer',
      customerId,
      'customer-service',
    );
    return;
  }
  const { orderId } = event.data;
  const order = requireAggregate(await owners.orders.find(orderId), 'order', orderId, 'order-service');
  if (order.customerId !== customerId) {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${orderId} belongs to another customer than the event says`,
    );
  }
}
