import { ORDER_STATUSES, ORDER_CANCEL_REASONS as CANCEL_REASONS } from '@shop/platform/api-contract';
export { ORDER_STATUSES };
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export { CANCEL_REASONS };
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** How far the saga got: payment is never called before 'charging', so a 'reserving' order was never charged. */
export type SagaStep = 'reserving' | 'charging' | 'settled';

export interface OrderLine {
  productId: number;
  /** Name and prices come from the inventory reservation; null until the order is priced. */
  name: string | null;
  quantity: number;
  unitPriceCents: number | null;
  lineTotalCents: number | null;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  items: OrderLine[];
  totalCents: number | null;
  currency: string;
  paymentId: string | null;
  /** The shipment shipping-service scheduled for the order (from its events); null until announced. */
  shipmentId: string | null;
  trackingNumber: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The stored order with the saga's bookkeeping, which never leaves the service. */
export interface OrderRecord extends Order {
  /** The correlation ID of the request that created the order (null for orders older than migration 002). */
  correlationId: string | null;
  sagaStep: SagaStep;
  /** The deadline sent with the reservation (null for orders older than migration 004). */
  reserveDeadline: string | null;
  /** The deadline sent with the charge; null until the order is priced (or older than migration 004). */
  chargeDeadline: string | null;
  recoveryAttempts: number;
  nextRecoveryAt: string | null;
}

/** A line as the customer asked for it: product and quantity, nothing else. */
export interface RequestedLine {
  productId: number;
  quantity: number;
}

/** The representation clients receive (optional fields omitted when empty). */
export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  cancelReason?: CancelReason;
  items: OrderLine[];
  totalCents: number | null;
  currency: string;
  paymentId?: string;
  shipmentId?: string;
  trackingNumber?: string;
  createdAt: string;
  updatedAt: string;
}

export function toView(order: Order): OrderView {
  const view: OrderView = {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    items: order.items.map((line) => ({ ...line })),
    totalCents: order.totalCents,
    currency: order.currency,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
  if (order.cancelReason !== null) view.cancelReason = order.cancelReason;
  if (order.paymentId !== null) view.paymentId = order.paymentId;
  if (order.shipmentId !== null) view.shipmentId = order.shipmentId;
  if (order.trackingNumber !== null) view.trackingNumber = order.trackingNumber;
  return view;
}
