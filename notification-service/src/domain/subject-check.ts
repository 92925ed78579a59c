import { RejectedEventError, requireAggregate } from '@shop/platform/runtime';
import type { NotifyingEventEnvelope } from './notifier.js';
import type { CustomerLookup, OrderLookup, PaymentLookup } from './ports.js';

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
  owners: { orders: OrderLookup; customers: CustomerLookup; payments: PaymentLookup },
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
  const { orderId, paymentId, customerId, reason } = refund;
  const payment = requireAggregate(
    await payments.findByOrder(orderId),
    'payment of order',
    orderId,
    'payment-service',
  );
  const contradictions = [
    payment.id !== paymentId && `its payment is ${payment.id}, not ${paymentId}`,
    payment.customerId !== customerId && 'it belongs to another customer than the event says',
    payment.status !== 'REFUNDED' && `it is ${payment.status}, not REFUNDED`,
    payment.refundReason !== reason &&
      `it was refunded for ${payment.refundReason ?? 'no reason'}, not ${reason ?? ''}`,
  ].filter((text): text is string => typeof text === 'string');
  if (contradictions.length > 0) {
    throw new RejectedEventError(
      'aggregate_mismatch',
      `order ${orderId} does not exist and payment-service contradicts the refund: ${contradictions.join('; ')}`,
    );
  }
}
