/** Business facts counted from the bus (their event type is the analytics type). */
export const BUSINESS_EVENT_TYPES = [
  'OrderConfirmed',
  'OrderCancelled',
  'PaymentCaptured',
  'PaymentRefunded',
  'ShipmentScheduled',
  'ShipmentStatusChanged',
] as const;
export type BusinessEventType = (typeof BUSINESS_EVENT_TYPES)[number];
