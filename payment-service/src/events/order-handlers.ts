import type { EventHandlers, Logger } from '@shop/platform/runtime';
import type { OrderCancellation } from '../domain/payment.js';

/**
 * payment-service's consumer (queue `payment-service`): OrderCancelled is remembered in the same transaction
 * as its inbox row, so a charge that arrives for the order afterwards is refused (409 order_cancelled) and an
 * admin may refund its payment through the public API. Cancellation is final, so nothing ever forgets it.
 */
export function orderEventHandlers(
  recordOrderCancelled: (cancelled: OrderCancellation) => void,
  logger: Logger,
): EventHandlers {
  return {
    OrderCancelled: async (event, context) => {
      const { orderId, reason } = event.data;
      const applied = await context.inTransaction(() =>
        recordOrderCancelled({ orderId, reason, cancelledAt: event.occurredAt }),
      );
      if (applied) logger.debug('order cancellation recorded', { orderId, reason });
    },
  };
}
