import { RejectedEventError, requireAggregate } from '@shop/platform/runtime';
import type { OrderDirectory, OrderRecord } from './ports.js';

const OWNER = 'order-service';
/** Statuses an order reaches only after its confirmation. */
const CONFIRMED_OR_LATER = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED']);

interface OrderFact {
  orderId: string;
  customerId: string;
}

async function verifiedOrder(orders: OrderDirectory, fact: OrderFact): Promise<OrderRecord> {
  const order = requireAggregate(await orders.find(fact.orderId), 'order', fact.orderId, OWNER);
  if (order.customerId !== fact.customerId) {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${fact.orderId} belongs to another customer than the event says`,
    );
  }
  return order;
}

/**
 * Before a shipment is scheduled: the order exists at order-service, belongs to the event's customer and
 * was confirmed (it may have moved on since, even to CANCELLED: that cancellation has its own event).
 * Throws RejectedEventError otherwise; rejects as is when order-service cannot answer.
 */
export async function assertOrderConfirmed(orders: OrderDirectory, fact: OrderFact): Promise<void> {
  const order = await verifiedOrder(orders, fact);
  if (!CONFIRMED_OR_LATER.has(order.status)) {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${fact.orderId} is ${order.status} at order-service, not confirmed`,
    );
  }
}

/** Before a shipment is cancelled or a cancellation remembered: the order exists and is CANCELLED. */
export async function assertOrderCancelled(orders: OrderDirectory, fact: OrderFact): Promise<void> {
  const order = await verifiedOrder(orders, fact);
  if (order.status !== 'CANCELLED') {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${fact.orderId} is ${order.status} at order-service, not cancelled`,
    );
  }
}
