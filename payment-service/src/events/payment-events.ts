import type { Outbox } from '@shop/platform/runtime';
import type { Payment, PaymentHooks } from '../domain/payment.js';

function eventData(payment: Payment) {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amountCents: payment.amountCents,
    currency: payment.currency,
  };
}

/** Payment hooks that write PaymentCaptured / PaymentRefunded into the outbox, inside the payment transaction. */
export function paymentEventHooks(outbox: Outbox): PaymentHooks {
  return {
    onPaymentCaptured(payment) {
      outbox.add('PaymentCaptured', eventData(payment));
    },
    onPaymentRefunded(payment) {
      outbox.add('PaymentRefunded', {
        ...eventData(payment),
        ...(payment.refundReason !== undefined && { reason: payment.refundReason }),
      });
    },
  };
}
