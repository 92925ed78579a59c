import { z } from 'zod';

// Ids are opaque strings (UUIDs in practice); only productId is a number, the catalog's integer key.
const id = z.string().min(1).max(128);
const productId = z.number().int().positive();
const quantity = z.number().int().positive();
const cents = z.number().int().nonnegative();
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD');
const reason = z.string().min(1).max(200);
const timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

const stockLine = z.object({ productId, quantity });

export const SHIPMENT_STATUSES = ['SCHEDULED', 'IN_TRANSIT', 'DELIVERED', 'CANCELLED'] as const;

/**
 * Every event of the platform with the schema of its `data` (docs/architecture.md#events-outbox-and-inbox). Past-tense facts; consumers
 * validate each delivery against this catalogue before a handler sees it.
 */
export const eventCatalog = {
  CustomerRegistered: z.object({
    customerId: id,
    email: z.string().min(3).max(320),
    name: z.string().min(1),
  }),
  /** An admin created, edited or deleted a product, or set its stock; the values after the change. */
  ProductChanged: z.object({
    productId,
    change: z.enum(['created', 'updated', 'deleted', 'stock']),
    priceCents: cents.optional(),
    stock: z.number().int().nonnegative().optional(),
  }),
  StockReserved: z.object({ orderId: id, items: z.array(stockLine).min(1) }),
  StockReleased: z.object({ orderId: id, items: z.array(stockLine).min(1), reason }),
  PaymentCaptured: z.object({ paymentId: id, orderId: id, customerId: id, amountCents: cents, currency }),
  PaymentRefunded: z.object({
    paymentId: id,
    orderId: id,
    customerId: id,
    amountCents: cents,
    currency,
    /** Why (payment-service's refund reasons); absent on events from before reasons were recorded. */
    reason: reason.optional(),
  }),
  OrderConfirmed: z.object({
    orderId: id,
    customerId: id,
    totalCents: cents,
    currency,
    items: z.array(z.object({ productId, name: z.string().min(1), quantity, unitPriceCents: cents })).min(1),
  }),
  OrderCancelled: z.object({ orderId: id, customerId: id, reason, previousStatus: z.string().min(1) }),
  ShipmentScheduled: z.object({
    shipmentId: id,
    orderId: id,
    customerId: id,
    carrier: z.string().min(1),
    trackingNumber: z.string().min(1),
    estimatedDelivery: timestamp,
  }),
  ShipmentStatusChanged: z.object({
    shipmentId: id,
    orderId: id,
    customerId: id,
    status: z.enum(['IN_TRANSIT', 'DELIVERED', 'CANCELLED']),
    previousStatus: z.enum(SHIPMENT_STATUSES),
  }),
} as const;

/** The name of an event, e.g. `'OrderConfirmed'`; also its routing key. */
export type EventType = keyof typeof eventCatalog;

/** The `data` of an event of type `T`. */
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]>;

export const EVENT_TYPES = Object.keys(eventCatalog) as EventType[];

export function isEventType(candidate: unknown): candidate is EventType {
  return typeof candidate === 'string' && Object.hasOwn(eventCatalog, candidate);
}
