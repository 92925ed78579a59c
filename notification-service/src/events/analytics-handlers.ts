import type { EventHandlers } from '@shop/platform/runtime';
import type { Analytics } from '../domain/analytics.js';
import type { BusinessEventType } from '../domain/analytics-rules.js';
import {
  assertCountedEventIsKnown,
  type AggregateOwners,
  type CountedEventEnvelope,
} from '../domain/subject-check.js';

/**
 * Business events counted once each (the inbox transaction dedupes a redelivery). Like a notification, a count
 * is state made because of an event: the aggregate is verified with its owner first (decision 0032), so an
 * event about an order nobody placed is dead-lettered instead of adding to the revenue.
 */
export function analyticsEventHandlers(analytics: Analytics, owners: AggregateOwners): EventHandlers {
  const count = async (
    event: CountedEventEnvelope & { occurredAt: string },
    inTransaction: (effect: () => void) => Promise<boolean>,
    amountCents?: number,
  ) => {
    await assertCountedEventIsKnown(event, owners);
    const type: BusinessEventType = event.type;
    if (await inTransaction(() => analytics.countBusinessEvent(type, event.occurredAt, amountCents)))
      analytics.businessEventCounted(type);
  };
  return {
    OrderConfirmed: (event, { inTransaction }) => count(event, inTransaction, event.data.totalCents),
    OrderCancelled: (event, { inTransaction }) => count(event, inTransaction),
    PaymentCaptured: (event, { inTransaction }) => count(event, inTransaction, event.data.amountCents),
    PaymentRefunded: (event, { inTransaction }) => count(event, inTransaction, event.data.amountCents),
    ShipmentScheduled: (event, { inTransaction }) => count(event, inTransaction),
    ShipmentStatusChanged: (event, { inTransaction }) => count(event, inTransaction),
  };
}
