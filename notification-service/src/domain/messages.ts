import type { EventData } from '@shop/platform/contracts';
import type { Message, NotifyingEvent } from './notification.js';

/** The facts of an event a message is written from (an envelope's `type` and `data`). */
export type NotifyingFact = { [K in NotifyingEvent]: { type: K; data: EventData<K> } }[NotifyingEvent];

// order-service's cancellation reasons (CANCEL_REASONS there); any other reason is shown as sent.
const CANCELLATION_REASONS: Record<string, string> = {
  out_of_stock: 'an item is out of stock',
  unknown_product: 'an item is no longer sold',
  payment_declined: 'the payment was declined',
  payment_not_received: 'we could not confirm your payment',
  payment_refunded: 'the payment was refunded',
  dependency_unavailable: 'one of our services was temporarily unavailable',
  pending_timeout: 'we could not complete it in time',
  cancelled_by_customer: 'you asked us to',
  cancelled_by_admin: 'our staff cancelled it',
};

function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** Customers see the first block of the order id, as on a receipt. */
function orderRef(orderId: string): string {
  return orderId.split('-')[0] ?? orderId;
}

/**
 * The message an event sends to its customer, or undefined when it sends none (a cancelled shipment is
 * already told by the order's cancellation).
 */
export function messageFor(fact: NotifyingFact): Message | undefined {
  switch (fact.type) {
    case 'CustomerRegistered':
      return {
        customerId: fact.data.customerId,
        subject: `Welcome, ${fact.data.name}`,
        body: 'Your account is ready. You can now sign in and place orders.',
      };
    case 'OrderConfirmed': {
      const { orderId, items, totalCents, currency } = fact.data;
      const lines = items.map((item) => `${item.quantity} x ${item.name}`).join(', ');
      return {
        customerId: fact.data.customerId,
        subject: `Order ${orderRef(orderId)} confirmed`,
        body: `Thank you for your order ${orderId}: ${lines}. Total charged: ${money(totalCents, currency)}. We will tell you when it ships.`,
      };
    }
    case 'OrderCancelled': {
      const { orderId, reason } = fact.data;
      return {
        customerId: fact.data.customerId,
        subject: `Order ${orderRef(orderId)} cancelled`,
        body: `Your order ${orderId} was cancelled because ${CANCELLATION_REASONS[reason] ?? reason}. Any amount charged is refunded and nothing will ship.`,
      };
    }
    case 'PaymentRefunded': {
      const { orderId, amountCents, currency } = fact.data;
      return {
        customerId: fact.data.customerId,
        subject: `Refund of ${money(amountCents, currency)} for order ${orderRef(orderId)}`,
        body: `We refunded ${money(amountCents, currency)} for order ${orderId} to your payment method. It can take a few days to appear.`,
      };
    }
    case 'ShipmentScheduled': {
      const { orderId, carrier, trackingNumber, estimatedDelivery } = fact.data;
      return {
        customerId: fact.data.customerId,
        subject: `Order ${orderRef(orderId)} will ship with ${carrier}`,
        body: `Your order ${orderId} is scheduled for shipment with ${carrier}, tracking number ${trackingNumber}. Estimated delivery: ${estimatedDelivery}.`,
      };
    }
    case 'ShipmentStatusChanged': {
      const { orderId, status } = fact.data;
      if (status === 'IN_TRANSIT') {
        return {
          customerId: fact.data.customerId,
          subject: `Order ${orderRef(orderId)} is on its way`,
          body: `Your order ${orderId} has left our warehouse and is on its way to you.`,
        };
      }
      if (status === 'DELIVERED') {
        return {
          customerId: fact.data.customerId,
          subject: `Order ${orderRef(orderId)} was delivered`,
          body: `Your order ${orderId} was delivered. Enjoy!`,
        };
      }
      return undefined;
    }
  }
}
