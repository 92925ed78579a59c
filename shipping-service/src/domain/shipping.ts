import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '@shop/platform/runtime';
import type {
  CancelledOrderStore,
  RunInTransaction,
  ShipmentEvents,
  ShipmentQuery,
  ShipmentStore,
} from './ports.js';
import {
  canAdvance,
  estimatedDeliveryDate,
  isCancellable,
  pickCarrier,
  trackingNumberFor,
  type AdvanceStatus,
  type Shipment,
} from './shipment.js';

export interface ShippingDeps {
  shipments: ShipmentStore;
  cancelledOrders: CancelledOrderStore;
  events: ShipmentEvents;
  transaction: RunInTransaction;
  now: () => Date;
}

export interface ConfirmedOrder {
  orderId: string;
  customerId: string;
}

export interface CancelledOrderFact extends ConfirmedOrder {
  reason: string;
}

export type ScheduleOutcome =
  | { outcome: 'scheduled'; shipment: Shipment }
  | { outcome: 'already_scheduled'; shipment: Shipment }
  /** The order's cancellation arrived first: nothing is shipped. */
  | { outcome: 'order_cancelled' };

export type CancelOutcome =
  | { outcome: 'cancelled'; shipment: Shipment }
  | { outcome: 'already_cancelled'; shipment: Shipment }
  /** In transit or delivered: the parcel has left, the shipment stays as it is. */
  | { outcome: 'too_late'; shipment: Shipment }
  /** No shipment yet: remembered so that a late confirmation schedules none. */
  | { outcome: 'recorded_before_schedule' };

export function invalidTransition(shipment: Shipment, requested: string): AppError {
  return new AppError(
    'invalid_transition',
    `A ${shipment.status} shipment cannot move to ${requested}; shipments only move forward (SCHEDULED -> IN_TRANSIT -> DELIVERED)`,
    409,
    { details: { status: shipment.status, requested } },
  );
}

export function createShipping(deps: ShippingDeps) {
  const { shipments, cancelledOrders, events, transaction, now } = deps;

  /**
   * OrderConfirmed: one shipment per order, whatever the number of deliveries of the event. Synchronous:
   * call it inside the event consumer's inbox transaction (`inTransaction`), which makes it atomic.
   */
  function scheduleShipment(order: ConfirmedOrder, correlationId: string): ScheduleOutcome {
    if (cancelledOrders.isCancelled(order.orderId)) return { outcome: 'order_cancelled' };
    const existing = shipments.findByOrderId(order.orderId);
    if (existing) return { outcome: 'already_scheduled', shipment: existing };
    const at = now();
    const id = randomUUID();
    const carrier = pickCarrier(order.orderId);
    const shipment: Shipment = {
      id,
      orderId: order.orderId,
      customerId: order.customerId,
      carrier,
      trackingNumber: trackingNumberFor(carrier, id),
      estimatedDelivery: estimatedDeliveryDate(at),
      status: 'SCHEDULED',
      correlationId,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    };
    shipments.insert(shipment);
    events.scheduled(shipment);
    return { outcome: 'scheduled', shipment };
  }

  /**
   * OrderCancelled: cancels a shipment that has not left yet, or remembers the order if none exists.
   * Synchronous, inside the consumer's inbox transaction like scheduleShipment.
   */
  function cancelForOrder(order: CancelledOrderFact, correlationId: string): CancelOutcome {
    const shipment = shipments.findByOrderId(order.orderId);
    if (!shipment) {
      cancelledOrders.record({ ...order, correlationId, cancelledAt: now().toISOString() });
      return { outcome: 'recorded_before_schedule' };
    }
    if (shipment.status === 'CANCELLED') return { outcome: 'already_cancelled', shipment };
    if (!isCancellable(shipment.status)) return { outcome: 'too_late', shipment };
    const updatedAt = now().toISOString();
    shipments.setStatus(shipment.id, 'CANCELLED', updatedAt);
    const cancelled: Shipment = { ...shipment, status: 'CANCELLED', updatedAt };
    events.statusChanged(cancelled, shipment.status);
    return { outcome: 'cancelled', shipment: cancelled };
  }

  /** Admin: moves a shipment one step forward; anything else is 409 invalid_transition. */
  function advance(id: string, status: AdvanceStatus): Promise<Shipment> {
    return transaction(() => {
      const shipment = shipments.findById(id);
      if (!shipment) throw notFound('Shipment');
      if (!canAdvance(shipment.status, status)) throw invalidTransition(shipment, status);
      const updatedAt = now().toISOString();
      shipments.setStatus(id, status, updatedAt);
      const moved: Shipment = { ...shipment, status, updatedAt };
      events.statusChanged(moved, shipment.status);
      return moved;
    });
  }

  return {
    scheduleShipment,
    cancelForOrder,
    advance,
    find: (id: string) => shipments.findById(id),
    list: (query: ShipmentQuery) => shipments.list(query),
  };
}

export type Shipping = ReturnType<typeof createShipping>;
