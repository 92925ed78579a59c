import type { EventHandlers } from '@shop/platform/runtime';
import type { Analytics } from '../domain/analytics.js';
import type { BusinessEventType } from '../domain/analytics-rules.js';

/** The queue (and inbox name) of the analytics consumer: its own, so it never delays or retries notifications. */
export const ANALYTICS_QUEUE_SUFFIX = '.analytics';

/** Business events counted once each (the inbox transaction dedupes a redelivery). */
export function analyticsEventHandlers(analytics: Analytics): EventHandlers {
  const count = async (
    inTransaction: (effect: () => void) => Promise<boolean>,
    type: BusinessEventType,
    occurredAt: string,
    amountCents?: number,
  ) => {
    if (await inTransaction(() => analytics.countBusinessEvent(type, occurredAt, amountCents)))
      analytics.businessEventCounted(type);
  };
  return {
    OrderConfirmed: (event, { inTransaction }) =>
      count(inTransaction, 'OrderConfirmed', event.occurredAt, event.data.totalCents),
    OrderCancelled: (event, { inTransaction }) => count(inTransaction, 'OrderCancelled', event.occurredAt),
    PaymentCaptured: (event, { inTransaction }) =>
      count(inTransaction, 'PaymentCaptured', event.occurredAt, event.data.amountCents),
    PaymentRefunded: (event, { inTransaction }) =>
      count(inTransaction, 'PaymentRefunded', event.occurredAt, event.data.amountCents),
    ShipmentScheduled: (event, { inTransaction }) =>
      count(inTransaction, 'ShipmentScheduled', event.occurredAt),
    ShipmentStatusChanged: (event, { inTransaction }) =>
      count(inTransaction, 'ShipmentStatusChanged', event.occurredAt),
  };
}
