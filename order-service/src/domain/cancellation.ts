import { AppError } from '@shop/platform/runtime';
import { chargeFinalAt, type DeadlinePolicy } from './call-deadlines.js';
import type { TaskRunner } from './follow-up-tasks.js';
import type { OrderRecord } from './order.js';
import { isCancellable } from './order-status.js';
import type { OrderLifecycle } from './order-lifecycle.js';
import type { Clock, OrderStore } from './ports.js';

export interface Cancellation {
  /** Cancels on request of the owner or an admin; cancelling a CANCELLED order again is a no-op. */
  cancel(order: OrderRecord, by: 'customer' | 'admin'): Promise<OrderRecord>;
}

/**
 * A requested cancellation (docs/architecture.md#public-api): CONFIRMED -> refund and restock; PENDING -> restock and, when a charge
 * may exist, a payment reconciliation once the charge's deadline has passed, which refunds any capture.
 * Goods that have left (SHIPPED, DELIVERED) cannot be cancelled. An order whose saga is running right now is
 * refused with 409 and Retry-After.
 */
export function createCancellation(deps: {
  store: OrderStore;
  lifecycle: OrderLifecycle;
  tasks: TaskRunner;
  clock: Clock;
  inFlight: Set<string>;
  deadlines: DeadlinePolicy;
}): Cancellation {
  const { store, lifecycle, tasks, clock, inFlight, deadlines } = deps;

  return {
    async cancel(order, by) {
      if (order.status === 'CANCELLED') return order;
      if (!isCancellable(order.status)) {
        throw new AppError(
          'order_not_cancellable',
          `An order that is ${order.status} can no longer be cancelled`,
          409,
          {
            details: { status: order.status },
          },
        );
      }
      if (inFlight.has(order.id)) {
        throw new AppError('order_in_progress', 'The order is being processed, retry shortly', 409, {
          headers: { 'Retry-After': '1' },
        });
      }
      const now = clock.now();
      const mayBeCharged = order.status === 'PENDING' && order.sagaStep === 'charging';
      const settledAt = new Date(Math.max(now.getTime(), chargeFinalAt(order, deadlines).getTime()));
      const cancelled = lifecycle.cancel(
        order.id,
        order.status,
        by === 'admin' ? 'cancelled_by_admin' : 'cancelled_by_customer',
        {
          release: true,
          refund: order.status === 'CONFIRMED',
          reconcilePaymentAt: mayBeCharged ? settledAt : undefined,
        },
        now,
      );
      if (!cancelled) {
        throw new AppError('order_changed', 'The order changed meanwhile, read it again and retry', 409);
      }
      await tasks.runForOrder(order.id, now);
      return store.find(order.id) as OrderRecord;
    },
  };
}
