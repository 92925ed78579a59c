import type { OrderRecord, OrderStatus } from './order.js';
import type { OrderLifecycle } from './order-lifecycle.js';
import type { Clock, OrderStore } from './ports.js';

/** A shipment status as shipping-service announces it in ShipmentStatusChanged. */
export type ShipmentStatus = 'IN_TRANSIT' | 'DELIVERED' | 'CANCELLED';

export interface ScheduledShipment {
  orderId: string;
  customerId: string;
  shipmentId: string;
  trackingNumber: string;
}

export interface ShipmentStatusChange {
  orderId: string;
  customerId: string;
  shipmentId: string;
  status: ShipmentStatus;
}

/** What a shipment event did to its order; every kind is final (the event is acknowledged, never retried). */
export type ShipmentEventOutcome =
  /** No such order: the event is rejected (dead-lettered) by the consumer, nothing changes. */
  | { kind: 'unknown_order' }
  /** The order belongs to another customer than the event says: rejected as well. */
  | { kind: 'customer_mismatch'; order: OrderRecord }
  /** The order was cancelled: it stays CANCELLED (shipping cancels a shipment not yet in transit). */
  | { kind: 'order_cancelled'; order: OrderRecord }
  /** The order was never confirmed, so no shipment can belong to it: nothing changes. */
  | { kind: 'order_not_confirmed'; order: OrderRecord }
  | { kind: 'shipment_recorded'; order: OrderRecord }
  | { kind: 'shipment_cancelled'; order: OrderRecord }
  | { kind: 'advanced'; order: OrderRecord; from: OrderStatus }
  /** Already there or further along (a repeated or late event): never backwards. */
  | { kind: 'unchanged'; order: OrderRecord };

export interface ShipmentTracking {
  /** ShipmentScheduled: records the shipment on the order; the status stays as it is. */
  shipmentScheduled(shipment: ScheduledShipment): ShipmentEventOutcome;
  /** ShipmentStatusChanged: IN_TRANSIT -> SHIPPED, DELIVERED -> DELIVERED (through SHIPPED), CANCELLED -> none. */
  shipmentStatusChanged(change: ShipmentStatusChange): ShipmentEventOutcome;
}

/** The order status a shipment status leads to; undefined when it does not move the order. */
export function fulfilmentTarget(status: ShipmentStatus): 'SHIPPED' | 'DELIVERED' | undefined {
  switch (status) {
    case 'IN_TRANSIT':
      return 'SHIPPED';
    case 'DELIVERED':
      return 'DELIVERED';
    case 'CANCELLED':
      return undefined;
  }
}

/**
 * Applies shipping-service's facts to orders (step 4 of docs/architecture.md#the-order-saga). Events can arrive late, twice or out of
 * order, and for orders this service no longer considers shippable; each case leaves the order consistent
 * and ends with an outcome rather than an error, so the consumer acknowledges the event instead of retrying
 * something that can never succeed. Each call is one transaction (nested in the consumer's inbox one).
 */
export function createShipmentTracking(deps: {
  store: OrderStore;
  lifecycle: OrderLifecycle;
  clock: Clock;
}): ShipmentTracking {
  const { store, lifecycle, clock } = deps;

  /** Why a shipment event cannot touch the order; undefined when it can. */
  function refusal(order: OrderRecord, customerId: string): ShipmentEventOutcome | undefined {
    if (order.customerId !== customerId) return { kind: 'customer_mismatch', order };
    if (order.status === 'CANCELLED') return { kind: 'order_cancelled', order };
    if (order.status === 'PENDING') return { kind: 'order_not_confirmed', order };
    return undefined;
  }

  return {
    shipmentScheduled(shipment) {
      return store.transaction((): ShipmentEventOutcome => {
        const order = store.find(shipment.orderId);
        if (order === undefined) return { kind: 'unknown_order' };
        const refused = refusal(order, shipment.customerId);
        if (refused !== undefined) return refused;
        store.recordShipment(
          shipment.orderId,
          { shipmentId: shipment.shipmentId, trackingNumber: shipment.trackingNumber },
          clock.now().toISOString(),
        );
        return { kind: 'shipment_recorded', order: store.find(shipment.orderId) as OrderRecord };
      });
    },

    shipmentStatusChanged(change) {
      return store.transaction((): ShipmentEventOutcome => {
        const order = store.find(change.orderId);
        if (order === undefined) return { kind: 'unknown_order' };
        const refused = refusal(order, change.customerId);
        if (refused !== undefined) return refused;
        const at = clock.now();
        // A status change may overtake ShipmentScheduled; the tracking number follows with it.
        if (order.shipmentId === null) {
          store.recordShipment(change.orderId, { shipmentId: change.shipmentId }, at.toISOString());
        }
        const target = fulfilmentTarget(change.status);
        if (target === undefined) {
          return { kind: 'shipment_cancelled', order: store.find(change.orderId) as OrderRecord };
        }
        const result = lifecycle.applyFulfilment(change.orderId, target, at);
        return result.changed
          ? { kind: 'advanced', order: result.order, from: order.status }
          : { kind: 'unchanged', order: result.order };
      });
    },
  };
}
