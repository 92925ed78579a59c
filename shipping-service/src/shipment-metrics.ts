import { counter, type Registry } from '@shop/platform/runtime';
import { SHIPMENT_STATUSES, type ShipmentStatus } from './domain/shipment.js';

export interface ShipmentMetrics {
  entered(status: ShipmentStatus): void;
}

/** `shipments_total{status}`: shipments that entered each status. */
export function shipmentMetrics(registry: Registry): ShipmentMetrics {
  const transitions = counter(registry, {
    name: 'shipments_total',
    help: 'Shipments that entered a status (SCHEDULED, IN_TRANSIT, DELIVERED, CANCELLED)',
    labelNames: ['status'] as const,
    startAtZero: { status: SHIPMENT_STATUSES },
  });
  return { entered: (status) => transitions.inc({ status }) };
}
