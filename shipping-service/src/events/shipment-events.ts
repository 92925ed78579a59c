import type { Outbox } from '@shop/platform/runtime';
import type { ShipmentEvents } from '../domain/ports.js';
import type { Shipment } from '../domain/shipment.js';

/**
 * ShipmentScheduled / ShipmentStatusChanged into the outbox. They carry the current correlation ID: the
 * consumed event's inside a handler, the admin request's for a PATCH.
 */
export function outboxShipmentEvents(outbox: Outbox): ShipmentEvents {
  const ids = (shipment: Shipment) => ({
    shipmentId: shipment.id,
    orderId: shipment.orderId,
    customerId: shipment.customerId,
  });
  return {
    scheduled(shipment) {
      outbox.add('ShipmentScheduled', {
        ...ids(shipment),
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        estimatedDelivery: shipment.estimatedDelivery,
      });
    },
    statusChanged(shipment, previousStatus) {
      if (shipment.status === 'SCHEDULED') throw new Error('SCHEDULED is announced by ShipmentScheduled');
      outbox.add('ShipmentStatusChanged', { ...ids(shipment), status: shipment.status, previousStatus });
    },
  };
}
