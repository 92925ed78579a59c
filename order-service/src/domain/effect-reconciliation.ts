import { currentCorrelationId } from '@shop/platform/runtime';
import type { OrderRecord } from './order.js';
import type { OrderLifecycle } from './order-lifecycle.js';
import type { Clock, OrderStore, TaskKind } from './ports.js';

export interface CaptureFact {
  paymentId: string;
  orderId: string;
}

export interface ReservationFact {
  orderId: string;
}

const CONFIRMED_LIKE = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

/** What a PaymentCaptured did; `refund_scheduled` is the only one that leaves work (a refund task). */
export type CaptureOutcome =
  | { kind: 'owned'; order: OrderRecord }
  | { kind: 'pending'; order: OrderRecord }
  /** The order was confirmed with this payment, then cancelled: that cancellation refunds it. */
  | { kind: 'refund_arranged'; order: OrderRecord }
  | { kind: 'refund_scheduled'; reason: 'late_capture' | 'unknown_order' }
  /** A confirmed order recorded another payment: payment's one-per-order rule was broken somewhere. */
  | { kind: 'foreign'; order: OrderRecord };

export type RefundOutcome =
  /** The order's own payment was refunded behind its back: the order is cancelled (payment_refunded). */
  | { kind: 'order_cancelled'; order: OrderRecord }
  /** Refunded after the goods left: nothing can undo that here, a person must look. */
  | { kind: 'goods_left'; order: OrderRecord }
  | { kind: 'no_effect'; status: string };

export type ReservationOutcome =
  { kind: 'release_scheduled'; status: string } | { kind: 'no_effect'; status: string };

export interface EffectReconciliation {
  /** PaymentCaptured: a capture no order owns (cancelled first, or unknown) gets a refund task. */
  paymentCaptured(fact: CaptureFact): CaptureOutcome;
  /** PaymentRefunded: a CONFIRMED order whose payment was refunded is cancelled, never left CONFIRMED. */
  paymentRefunded(fact: CaptureFact): RefundOutcome;
  /** StockReserved: stock held for a cancelled or unknown order gets a release task. */
  stockReserved(fact: ReservationFact): ReservationOutcome;
}

/**
 * Order-service's side of the money and stock invariants, fed by payment's and inventory's own events: an
 * effect that reached them for an order that is not going to be confirmed is undone, whatever timing let
 * it through (a late charge, a late reservation, an order lost). Every method is one synchronous
 * transaction, run inside the consumer's inbox transaction, so a redelivered event has one effect; the
 * tasks it adds are run by the caller afterwards and retried by the recovery worker until they succeed.
 */
export function createEffectReconciliation(deps: {
  store: OrderStore;
  lifecycle: OrderLifecycle;
  clock: Clock;
}): EffectReconciliation {
  const { store, lifecycle, clock } = deps;

  function addTask(orderId: string, kind: TaskKind): void {
    store.addTask(orderId, kind, clock.now().toISOString(), currentCorrelationId());
  }

  return {
    paymentCaptured(fact) {
      return store.transaction((): CaptureOutcome => {
        const order = store.find(fact.orderId);
        if (order?.status === 'PENDING') return { kind: 'pending', order };
        if (order !== undefined && CONFIRMED_LIKE.has(order.status)) {
          return order.paymentId === fact.paymentId ? { kind: 'owned', order } : { kind: 'foreign', order };
        }
        if (order?.paymentId === fact.paymentId) return { kind: 'refund_arranged', order };
        addTask(fact.orderId, 'refund_payment');
        return { kind: 'refund_scheduled', reason: order === undefined ? 'unknown_order' : 'late_capture' };
      });
    },

    paymentRefunded(fact) {
      return store.transaction((): RefundOutcome => {
        const order = store.find(fact.orderId);
        if (order === undefined) return { kind: 'no_effect', status: 'unknown' };
        if (order.paymentId !== fact.paymentId || !CONFIRMED_LIKE.has(order.status)) {
          return { kind: 'no_effect', status: order.status };
        }
        if (order.status !== 'CONFIRMED') return { kind: 'goods_left', order };
        const compensation = { release: true, refund: false };
        if (!lifecycle.cancel(order.id, 'CONFIRMED', 'payment_refunded', compensation, clock.now())) {
          return { kind: 'no_effect', status: store.find(order.id)?.status ?? 'unknown' };
        }
        return { kind: 'order_cancelled', order: store.find(order.id) as OrderRecord };
      });
    },

    stockReserved(fact) {
      return store.transaction((): ReservationOutcome => {
        const order = store.find(fact.orderId);
        if (order !== undefined && order.status !== 'CANCELLED')
          return { kind: 'no_effect', status: order.status };
        addTask(fact.orderId, 'release_reservation');
        return { kind: 'release_scheduled', status: order?.status ?? 'unknown' };
      });
    },
  };
}
