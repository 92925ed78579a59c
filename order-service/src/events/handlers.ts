import { RejectedEventError, type EventHandlers, type Logger } from '@shop/platform/runtime';
import type { ShipmentEventOutcome, ShipmentTracking } from '../domain/shipment-tracking.js';
import { applyOnce } from './apply-once.js';

/**
 * The outcome, unless the event is about an order this service does not have, or has for another customer:
 * then it is rejected inside the transaction, which rolls back (no inbox row, so a replay is handled afresh),
 * and the event is dead-lettered.
 */
function acceptedOutcome(orderId: string, outcome: ShipmentEventOutcome): ShipmentEventOutcome {
  if (outcome.kind === 'unknown_order') {
    throw new RejectedEventError('unknown_aggregate', `order ${orderId} does not exist`);
  }
  if (outcome.kind === 'customer_mismatch') {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${orderId} belongs to another customer than the event says`,
    );
  }
  return outcome;
}

/**
 * Thin consumers of shipping-service's events (queue `order-service`). The effect and the inbox row commit
 * together, so a duplicate or redelivered event has one effect. An event about an order that does not exist
 * here is rejected (dead-lettered with reason `unknown_aggregate`). Events that cannot apply to an existing
 * order (cancelled, never confirmed, older status) are acknowledged and logged: retrying them could never
 * succeed. Log lines carry the event's correlation ID (the consumer runs each delivery in its context).
 */
export function orderEventHandlers(shipments: ShipmentTracking, logger: Logger): EventHandlers {
  function report(
    event: { id: string; type: string },
    shipment: { orderId: string; shipmentId: string; status?: string },
    outcome: ShipmentEventOutcome,
  ): void {
    const fields = {
      event: { id: event.id, type: event.type },
      orderId: shipment.orderId,
      shipmentId: shipment.shipmentId,
      ...(shipment.status !== undefined && { shipmentStatus: shipment.status }),
    };
    switch (outcome.kind) {
      case 'unknown_order':
      case 'customer_mismatch':
        return;
      case 'order_cancelled':
        logger.warn('shipment event for a cancelled order, the order stays CANCELLED', fields);
        return;
      case 'order_not_confirmed':
        logger.warn('shipment event for an order that is not confirmed, order unchanged', {
          ...fields,
          status: outcome.order.status,
        });
        return;
      case 'shipment_recorded':
        logger.info('shipment recorded on the order', {
          ...fields,
          trackingNumber: outcome.order.trackingNumber,
        });
        return;
      case 'shipment_cancelled':
        logger.info('shipment cancelled, order unchanged', { ...fields, status: outcome.order.status });
        return;
      case 'advanced':
        logger.info('order status changed by its shipment', {
          ...fields,
          from: outcome.from,
          to: outcome.order.status,
        });
        return;
      case 'unchanged':
        logger.info('shipment status already reflected, order unchanged', {
          ...fields,
          status: outcome.order.status,
        });
        return;
    }
  }

  return {
    ShipmentScheduled: async (event, context) => {
      const outcome = await applyOnce(context, () =>
        acceptedOutcome(event.data.orderId, shipments.shipmentScheduled(event.data)),
      );
      if (outcome !== undefined) report(event, event.data, outcome);
    },
    ShipmentStatusChanged: async (event, context) => {
      const outcome = await applyOnce(context, () =>
        acceptedOutcome(event.data.orderId, shipments.shipmentStatusChanged(event.data)),
      );
      if (outcome !== undefined) report(event, event.data, outcome);
    },
  };
}
