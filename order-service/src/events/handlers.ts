import type { EventHandlerContext, EventHandlers, Logger } from '@shop/platform';
import type { ShipmentEventOutcome, ShipmentTracking } from '../domain/shipment-tracking.js';

/** Runs the effect with the inbox row in one transaction; undefined when the event was already applied. */
function applyOnce(
  context: EventHandlerContext,
  effect: () => ShipmentEventOutcome,
): ShipmentEventOutcome | undefined {
  let outcome: ShipmentEventOutcome | undefined;
  context.inTransaction(() => {
    outcome = effect();
  });
  return outcome;
}

/**
 * Thin consumers of shipping-service's events (queue `order-service`). The effect and the inbox row commit
 * together, so a duplicate or redelivered event has one effect. Events that cannot apply (unknown or
 * cancelled order, older status) are acknowledged and logged: retrying them could never succeed. Log lines
 * carry the event's correlation ID (the consumer runs each delivery in its context).
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
        logger.warn('shipment event for an unknown order, acknowledged without effect', fields);
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
    ShipmentScheduled: (event, context) => {
      const outcome = applyOnce(context, () => shipments.shipmentScheduled(event.data));
      if (outcome !== undefined) report(event, event.data, outcome);
    },
    ShipmentStatusChanged: (event, context) => {
      const outcome = applyOnce(context, () => shipments.shipmentStatusChanged(event.data));
      if (outcome !== undefined) report(event, event.data, outcome);
    },
  };
}
