import { AppError, currentCorrelationId } from '@shop/platform/runtime';
import type { CancelReason, OrderRecord, OrderStatus } from './order.js';
import { assertTransition, canTransition } from './order-status.js';
import type { OrderEventHooks, OrderMetrics, OrderStore, TaskKind } from './ports.js';

export interface Compensation {
  release: boolean;
  refund: boolean;
  /** When set, payment is asked again at that time and any capture found is refunded. */
  reconcilePaymentAt?: Date | undefined;
}

export interface OrderLifecycle {
  /**
   * PENDING -> CONFIRMED and a commit of the reservation. An order confirmed meanwhile (by another pass)
   * is returned as it is. Undefined when it was cancelled meanwhile: then the capture is refunded.
   */
  confirm(orderId: string, paymentId: string, at: Date): OrderRecord | undefined;
  /** `from` -> CANCELLED with its compensations, atomically; false when the order was no longer in `from`. */
  cancel(
    orderId: string,
    from: OrderStatus,
    reason: CancelReason,
    compensation: Compensation,
    at: Date,
  ): boolean;
  /** Moves a confirmed order forward to SHIPPED or DELIVERED; a repeated or older status changes nothing. */
  applyFulfilment(
    orderId: string,
    to: 'SHIPPED' | 'DELIVERED',
    at: Date,
  ): { changed: boolean; order: OrderRecord };
}

const FULFILMENT_PATH: readonly OrderStatus[] = ['CONFIRMED', 'SHIPPED', 'DELIVERED'];

/**
 * Every status change of an order, each in one transaction with the follow-up tasks it requires and the
 * event hooks (outbox), so a crash can never leave a change without its compensation or its event.
 */
export function createOrderLifecycle(deps: {
  store: OrderStore;
  hooks: OrderEventHooks;
  metrics: OrderMetrics;
}): OrderLifecycle {
  const { store, hooks, metrics } = deps;

  // A task runs later under the correlation ID of whatever created it (request, event, recovery pass).
  function addTask(orderId: string, kind: TaskKind, at: string): void {
    store.addTask(orderId, kind, at, currentCorrelationId());
  }

  function load(orderId: string): OrderRecord {
    const order = store.find(orderId);
    if (order === undefined) throw new AppError('order_missing', `Order ${orderId} disappeared`, 500);
    return order;
  }

  return {
    confirm(orderId, paymentId, at) {
      const iso = at.toISOString();
      const confirmed = store.transaction(() => {
        const changed = store.changeStatus(orderId, {
          from: 'PENDING',
          to: 'CONFIRMED',
          at: iso,
          paymentId,
          sagaStep: 'settled',
        });
        if (!changed) {
          const order = load(orderId);
          if (order.status !== 'CANCELLED') return { order, changed: false };
          // Cancelled while the charge was in flight: the capture must not stay.
          addTask(orderId, 'refund_payment', iso);
          return undefined;
        }
        addTask(orderId, 'commit_reservation', iso);
        const order = load(orderId);
        hooks.onOrderConfirmed(order);
        return { order, changed: true };
      });
      if (confirmed?.changed) metrics.entered('CONFIRMED');
      return confirmed?.order;
    },

    cancel(orderId, from, reason, compensation, at) {
      assertTransition(from, 'CANCELLED');
      const iso = at.toISOString();
      const cancelled = store.transaction(() => {
        const changed = store.changeStatus(orderId, {
          from,
          to: 'CANCELLED',
          at: iso,
          cancelReason: reason,
          sagaStep: 'settled',
        });
        if (!changed) return false;
        if (compensation.refund) addTask(orderId, 'refund_payment', iso);
        if (compensation.release) {
          // A commit still waiting would race the release; the cancellation supersedes it.
          store.completeTask(orderId, 'commit_reservation');
          addTask(orderId, 'release_reservation', iso);
        }
        if (compensation.reconcilePaymentAt !== undefined) {
          addTask(orderId, 'reconcile_payment', compensation.reconcilePaymentAt.toISOString());
        }
        hooks.onOrderCancelled(load(orderId), from);
        return true;
      });
      if (cancelled) metrics.entered('CANCELLED');
      return cancelled;
    },

    applyFulfilment(orderId, to, at) {
      const iso = at.toISOString();
      const entered: OrderStatus[] = [];
      const result = store.transaction(() => {
        let order = load(orderId);
        const target = FULFILMENT_PATH.indexOf(to);
        let changed = false;
        // Events may arrive out of order (DELIVERED before SHIPPED): walk the path, never backwards.
        while (FULFILMENT_PATH.indexOf(order.status) >= 0 && FULFILMENT_PATH.indexOf(order.status) < target) {
          const next = FULFILMENT_PATH[FULFILMENT_PATH.indexOf(order.status) + 1] as OrderStatus;
          const previous = order.status;
          if (
            !canTransition(previous, next) ||
            !store.changeStatus(orderId, { from: previous, to: next, at: iso })
          ) {
            break;
          }
          order = load(orderId);
          changed = true;
          entered.push(next);
          hooks.onOrderStatusChanged(order, previous);
        }
        if (!changed && FULFILMENT_PATH.indexOf(order.status) < 0) assertTransition(order.status, to);
        return { changed, order };
      });
      for (const status of entered) metrics.entered(status);
      return result;
    },
  };
}
