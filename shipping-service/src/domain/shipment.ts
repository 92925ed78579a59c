import { createHash } from 'node:crypto';
import { SHIPMENT_STATUSES } from '@shop/platform/contracts';
import { SHIPMENT_ADVANCE_STATUSES as ADVANCE_STATUSES, CARRIERS } from '@shop/platform/api-contract';

export { SHIPMENT_STATUSES };
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

// A type alias (not an interface) so a shipment is a plain record for CASL row checks.
export type Shipment = {
  id: string;
  orderId: string;
  customerId: string;
  carrier: Carrier;
  trackingNumber: string;
  /** ISO date (YYYY-MM-DD). */
  estimatedDelivery: string;
  status: ShipmentStatus;
  /** The correlation ID of the event that scheduled it (the order's original request). */
  correlationId: string;
  createdAt: string;
  updatedAt: string;
};

/** The statuses an admin may move a shipment to. */
export { ADVANCE_STATUSES };
export type AdvanceStatus = (typeof ADVANCE_STATUSES)[number];

const NEXT: Record<ShipmentStatus, ShipmentStatus | undefined> = {
  SCHEDULED: 'IN_TRANSIT',
  IN_TRANSIT: 'DELIVERED',
  DELIVERED: undefined,
  CANCELLED: undefined,
};

/** Shipments only move forward, one step at a time: SCHEDULED -> IN_TRANSIT -> DELIVERED. */
export function canAdvance(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return NEXT[from] === to;
}

/** Once a parcel has left, cancelling the order no longer cancels its shipment. */
export function isCancellable(status: ShipmentStatus): boolean {
  return status === 'SCHEDULED';
}

export { CARRIERS };
export type Carrier = (typeof CARRIERS)[number];

const TRACKING_PREFIX: Record<Carrier, string> = { UPS: '1Z', FedEx: 'FX', DHL: 'JD', USPS: '94' };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The same order always gets the same carrier, so a replayed event schedules the same shipment. */
export function pickCarrier(orderId: string): Carrier {
  return CARRIERS[(digest(orderId)[0] ?? 0) % CARRIERS.length] ?? 'UPS';
}

/** A carrier-style tracking number derived from the shipment id: prefix + 16 upper-case hex digits. */
export function trackingNumberFor(carrier: Carrier, shipmentId: string): string {
  return `${TRACKING_PREFIX[carrier]}${digest(shipmentId).toString('hex').slice(0, 16).toUpperCase()}`;
}

/** `businessDays` working days (Monday to Friday, UTC) after `from`, as an ISO date. */
export function estimatedDeliveryDate(from: Date, businessDays = 3): string {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let left = businessDays;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const day = date.getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  return date.toISOString().slice(0, 10);
}
