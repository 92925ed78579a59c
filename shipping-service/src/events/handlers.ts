import type { EventHandlers, Logger } from '@shop/platform/runtime';
import { assertOrderCancelled, assertOrderConfirmed } from '../domain/order-facts.js';
import type { OrderDirectory } from '../domain/ports.js';
import type { CancelOutcome, ScheduleOutcome, Shipping } from '../domain/shipping.js';
import type { ShipmentMetrics } from '../shipment-metrics.js';

/**
 * Thin consumers: each first verifies the order with order-service (an event about an order that does not
 * exist, or contradicts it, is rejected: dead-lettered, nothing recorded; order-service unreachable: retried),
 * then applies its effect and the inbox row in one transaction (`inTransaction`), so a duplicate or
 * redelivered event changes nothing. Log lines carry the event's correlation ID.
 */
export function shippingEventHandlers(
  shipping: Shipping,
  logger: Logger,
  metrics: ShipmentMetrics,
  orders: OrderDirectory,
): EventHandlers {
  return {
    OrderConfirmed: async (event, { inTransaction }) => {
      await assertOrderConfirmed(orders, event.data);
      let result: ScheduleOutcome | undefined;
      await inTransaction(() => {
        result = shipping.scheduleShipment(event.data, event.correlationId);
      });
      if (result === undefined) return;
      const { orderId } = event.data;
      switch (result.outcome) {
        case 'scheduled':
          metrics.entered('SCHEDULED');
          logger.info('shipment scheduled', {
            orderId,
            shipmentId: result.shipment.id,
            carrier: result.shipment.carrier,
            trackingNumber: result.shipment.trackingNumber,
          });
          return;
        case 'already_scheduled':
          logger.info('order already has a shipment, nothing scheduled', {
            orderId,
            shipmentId: result.shipment.id,
          });
          return;
        case 'order_cancelled':
          logger.warn('order was cancelled before its confirmation arrived, no shipment scheduled', {
            orderId,
          });
          return;
      }
    },
    OrderCancelled: async (event, { inTransaction }) => {
      await assertOrderCancelled(orders, event.data);
      let result: CancelOutcome | undefined;
      await inTransaction(() => {
        result = shipping.cancelForOrder(event.data, event.correlationId);
      });
      if (result === undefined) return;
      const { orderId } = event.data;
      switch (result.outcome) {
        case 'cancelled':
          metrics.entered('CANCELLED');
          logger.info('shipment cancelled', {
            orderId,
            shipmentId: result.shipment.id,
            reason: event.data.reason,
          });
          return;
        case 'already_cancelled':
          logger.info('shipment already cancelled', { orderId, shipmentId: result.shipment.id });
          return;
        case 'too_late':
          logger.warn('order cancelled after its shipment left, shipment kept', {
            orderId,
            shipmentId: result.shipment.id,
            status: result.shipment.status,
          });
          return;
        case 'recorded_before_schedule':
          logger.info('order cancelled before any shipment, a late confirmation will be ignored', {
            orderId,
          });
          return;
      }
    },
  };
}
