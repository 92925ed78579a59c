import { RejectedEventError, requireAggregate } from '@shop/platform/runtime';
import type { EventData } from '@shop/platform/contracts';
import type { BusinessEventType } from './analytics-rules.js';
import type { NotifyingEventEnvelope } from './notifier.js';
import type { CustomerLookup, OrderLookup, PaymentLookup } from './ports.js';

/** The owners notification-service asks before it records anything because of an event. */
export interface AggregateOwners {
  orders: OrderLookup;
  customers: CustomerLookup;
  payments: PaymentLookup;
}

/** A business event as analytics counts it: a notifying event about an order, or a capture. */
export type CountedEventEnvelope =
  | Extract<NotifyingEventEnvelope, { type: BusinessEventType }>
  | { type: 'PaymentCaptured'; data: EventData<'PaymentCaptured'>; id: string; correlationId: string };

/**
 * Refund reasons of captures no order owns: payment-service refunds them at order-service's request, and the
 * order a `PaymentRefunded` with this reason names does not exist (payment-service's own refund reasons).
 */
const ORDERLESS_REFUND_REASONS: ReadonlySet<string> = new Set(['unknown_order']);

/**
 * Before a notification is recorded for an event, the aggregate it is about must exist at its owner: the
 * customer of a CustomerRegistered at customer-service, the order of every other event at order-service (and
 * the order must belong to the customer the event names). One event legitimately names an order that does
 * not exist: the PaymentRefunded of a capture nobody ordered (reason `unknown_order`). Its aggregate is the
 * payment, so payment-service must confirm it: that payment, of that customer, refunded for that reason.
 * Throws RejectedEventError otherwise (the event is dead-lettered, nobody is notified); rejects as is when an
 * owner cannot answer (the event is retried).
 */
export async function assertSubjectExists(
  event: NotifyingEventEnvelope,
  owners: AggregateOwners,
): Promise<void> {
  const { customerId } = event.data;
  if (event.type === 'CustomerRegistered') {
    requireAggregate(
      await owners.customers.contactOf(customerId),
      'customer',
      customerId,
      'customer-service',
    );
    return;
  }
  const { orderId } = event.data;
  const order = await owners.orders.find(orderId);
  if (
    order === undefined &&
    event.type === 'PaymentRefunded' &&
    ORDERLESS_REFUND_REASONS.has(event.data.reason ?? '')
  ) {
    await assertOrderlessRefund(event.data, owners.payments);
    return;
  }
  requireAggregate(order, 'order', orderId, 'order-service');
  if (order?.customerId !== customerId) {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${orderId} belongs to another customer than the event says`,
    );
  }
}

async function assertOrderlessRefund(
  refund: { orderId: string; paymentId: string; customerId: string; reason?: string | undefined },
  payments: PaymentLookup,
): Promise<void> {
  const { orderId, reason } = refund;
  await assertPaymentAgrees(
    refund,
    payments,
    `order ${orderId} does not exist and payment-service contradicts the refund`,
    (payment) => [
      payment.status !== 'REFUNDED' && `it is ${payment.status}, not REFUNDED`,
      payment.refundReason !== reason &&
        `it was refunded for ${payment.refundReason ?? 'no reason'}, not ${reason ?? ''}`,
    ],
  );
}

type OwnedPayment = NonNullable<Awaited<ReturnType<PaymentLookup['findByOrder']>>>;

/**
 * The payment of the event's order must exist at payment-service (else `unknown_aggregate`), be the event's
 * payment, of its customer, and satisfy `expectations` (each a contradiction's text, or false); else
 * `aggregate_mismatch` with `what` and every contradiction.
 */
async function assertPaymentAgrees(
  claim: { orderId: string; paymentId: string; customerId: string },
  payments: PaymentLookup,
  what: string,
  expectations: (payment: OwnedPayment) => (string | false)[],
): Promise<void> {
  const { orderId, paymentId, customerId } = claim;
  const payment = requireAggregate(
    await payments.findByOrder(orderId),
    'payment of order',
    orderId,
    'payment-service',
  );
  const contradictions = [
    payment.id !== paymentId && `its payment is ${payment.id}, not ${paymentId}`,
    payment.customerId !== customerId && 'it belongs to another customer than the event says',
    ...expectations(payment),
  ].filter((text): text is string => typeof text === 'string');
  if (contradictions.length > 0) {
    throw new RejectedEventError('aggregate_mismatch', `${what}: ${contradictions.join('; ')}`);
  }
}

/**
 * Before analytics counts a business event, the same check as before a notification: the order (or, for a
 * refund of a capture no order owns, the payment) at its owner. A `PaymentCaptured` is about a payment and may
 * legitimately name an order that does not exist (a capture that landed late or for an order never placed,
 * refunded afterwards), so payment-service must confirm it: that payment, of that customer, captured (or
 * refunded since). Throws RejectedEventError otherwise; rejects as is when an owner cannot answer.
 */
export async function assertCountedEventIsKnown(
  event: CountedEventEnvelope,
  owners: AggregateOwners,
): Promise<void> {
  if (event.type !== 'PaymentCaptured') {
    await assertSubjectExists(event, owners);
    return;
  }
  await assertPaymentAgrees(
    event.data,
    owners.payments,
    `payment-service contradicts the capture of order ${event.data.orderId}`,
    (payment) => [!CAPTURED_AT_SOME_POINT.has(payment.status) && `it is ${payment.status}, never captured`],
  );
}

/** The payment states a captured payment can be in afterwards. */
const CAPTURED_AT_SOME_POINT: ReadonlySet<string> = new Set(['CAPTURED', 'REFUNDED']);
