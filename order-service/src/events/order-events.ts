import { currentCorrelationId, type Outbox } from '@shop/platform/runtime';
import type { OrderRecord } from '../domain/order.js';
import type { OrderEventHooks } from '../domain/ports.js';

/** The event carries the current request's (or consumed event's) ID, else the one that created the order. */
function correlationOf(order: OrderRecord): { correlationId: string | undefined } {
  return { correlationId: currentCorrelationId() ?? order.correlationId ?? undefined };
}

function pricedItems(order: OrderRecord) {
  return order.items.map((line) => {
    if (line.name === null || line.unitPriceCents === null) {
      throw new Error(`Order ${order.id} is confirmed but line ${line.productId} is not priced`);
    }
    return {
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
    };
  });
}

/**
 * OrderConfirmed / OrderCancelled into the outbox. The lifecycle calls these hooks inside the transaction
 * that changes the status, so the event exists if and only if the change commits (docs/architecture.md#events-outbox-and-inbox).
 */
export function outboxOrderEvents(outbox: Outbox): Partial<OrderEventHooks> {
  return {
    onOrderConfirmed(order) {
      if (order.totalCents === null) throw new Error(`Order ${order.id} is confirmed but has no total`);
      outbox.add(
        'OrderConfirmed',
        {
          orderId: order.id,
          customerId: order.customerId,
          totalCents: order.totalCents,
          currency: order.currency,
          items: pricedItems(order),
        },
        correlationOf(order),
      );
    },
    onOrderCancelled(order, previous) {
      outbox.add(
        'OrderCancelled',
        {
          orderId: order.id,
          customerId: order.customerId,
          // The lifecycle always sets a reason when it cancels.
          reason: order.cancelReason ?? 'unspecified',
          previousStatus: previous,
        },
        correlationOf(order),
      );
    },
  };
}
