import { AppError, notFound, type Logger } from '@shop/platform/runtime';
import { requestHash, type Idempotency, type StoredResponse } from './idempotency.js';
import type { OrderRecord } from './order.js';
import type { Clock, OrderStore } from './ports.js';
import type { OrderSaga, PlaceOrderCommand, PlaceOrderOutcome } from './saga.js';

/** What placing an order answered: a fresh answer, the stored answer of a repeat, or the order as it stands. */
export type Placement =
  | { kind: 'answered'; response: StoredResponse }
  | { kind: 'replayed'; response: StoredResponse }
  /** The first request with this key stopped before it answered (the process died): its order is what exists. */
  | { kind: 'interrupted'; order: OrderRecord };

/**
 * An order whose lines are known only once the key is claimed (the cart's checkout reads the cart then, so a
 * replay after the cart was emptied still finds the first answer).
 */
export interface DeferredOrder {
  customerId: string;
  /** The request's identity for the key, computed from what the request carries. */
  requestHash: string;
  /** Builds the command once the key is claimed (never on a replay); an error thrown here frees the key. */
  build: () => PlaceOrderCommand;
  /** Runs inside the transaction that creates the order, after the key is linked to it. */
  inCreation?: (orderId: string) => void;
}

function isDeferred(order: PlaceOrderCommand | DeferredOrder): order is DeferredOrder {
  return 'build' in order;
}

export interface OrderPlacement {
  /**
   * Places the order through the saga, at most once per Idempotency-Key and customer: a repeat with the same
   * request gets the first answer (`render` made it, it is stored), a different request with the same key is
   * 422 idempotency_key_reused, a repeat while the first is still running is 409 idempotency_in_progress.
   * Without a key, every call places an order.
   */
  place(
    order: PlaceOrderCommand | DeferredOrder,
    idempotencyKey: string | undefined,
    render: (outcome: PlaceOrderOutcome) => StoredResponse,
  ): Promise<Placement>;
}

export function createOrderPlacement(deps: {
  saga: OrderSaga;
  idempotency: Idempotency;
  store: OrderStore;
  clock: Clock;
  logger: Logger;
}): OrderPlacement {
  const { saga, idempotency, store, clock, logger } = deps;
  return {
    async place(order, key, render) {
      const deferred: DeferredOrder = isDeferred(order)
        ? order
        : {
            customerId: order.customerId,
            requestHash: requestHash(order.lines, order.paymentToken),
            build: () => order,
          };
      if (key === undefined) {
        const outcome = await saga.placeOrder(deferred.build(), deferred.inCreation);
        return { kind: 'answered', response: render(outcome) };
      }

      const { customerId } = deferred;
      const claim = idempotency.claim(customerId, key, deferred.requestHash, clock.now().toISOString());
      switch (claim.kind) {
        case 'replay':
          return { kind: 'replayed', response: claim.response };
        case 'key_reused':
          throw new AppError(
            'idempotency_key_reused',
            'This Idempotency-Key was already used with a different request body',
            422,
          );
        case 'in_progress':
          throw new AppError(
            'idempotency_in_progress',
            'A request with this Idempotency-Key is still in progress',
            409,
            { headers: { 'Retry-After': '1' } },
          );
        case 'interrupted': {
          const existing = store.find(claim.orderId);
          if (existing === undefined) throw notFound('Order');
          return { kind: 'interrupted', order: existing };
        }
        case 'claimed':
          break;
      }

      let outcome: PlaceOrderOutcome;
      try {
        outcome = await saga.placeOrder(deferred.build(), (orderId) => {
          idempotency.attachOrder(customerId, key, orderId);
          deferred.inCreation?.(orderId);
        });
      } catch (error) {
        // Only reachable when the order could not even be created: nothing happened, the key is free again.
        try {
          idempotency.abandon(customerId, key);
        } catch {
          // Its row stays, linked to no order: a retry with the key takes it over. The first error is the answer.
        }
        throw error;
      }
      const response = render(outcome);
      try {
        idempotency.complete(customerId, key, response, clock.now().toISOString());
      } catch (error) {
        // The order exists (charged, maybe): `response` is the truth about it, and an error here (the file
        // locked by another process, the disk) must not turn it into a 503 that says nothing happened. The
        // key stays linked to the order, so a retry with it gets the order as it is then ('interrupted').
        logger.warn('answer not stored for its Idempotency-Key; a retry gets the order as it is then', {
          orderId: outcome.order.id,
          err: error as Error,
        });
      }
      return { kind: 'answered', response };
    },
  };
}
