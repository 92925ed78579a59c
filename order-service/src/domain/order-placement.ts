import { AppError, notFound } from '@shop/platform';
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

export interface OrderPlacement {
  /**
   * Places the order through the saga, at most once per Idempotency-Key and customer: a repeat with the same
   * request gets the first answer (`render` made it, it is stored), a different request with the same key is
   * 422 idempotency_key_reused, a repeat while the first is still running is 409 idempotency_in_progress.
   * Without a key, every call places an order.
   */
  place(
    command: PlaceOrderCommand,
    idempotencyKey: string | undefined,
    render: (outcome: PlaceOrderOutcome) => StoredResponse,
  ): Promise<Placement>;
}

export function createOrderPlacement(deps: {
  saga: OrderSaga;
  idempotency: Idempotency;
  store: OrderStore;
  clock: Clock;
}): OrderPlacement {
  const { saga, idempotency, store, clock } = deps;
  return {
    async place(command, key, render) {
      if (key === undefined) return { kind: 'answered', response: render(await saga.placeOrder(command)) };

      const { customerId } = command;
      const claim = idempotency.claim(
        customerId,
        key,
        requestHash(command.lines, command.paymentToken),
        clock.now().toISOString(),
      );
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
          const order = store.find(claim.orderId);
          if (order === undefined) throw notFound('Order');
          return { kind: 'interrupted', order };
        }
        case 'claimed':
          break;
      }

      let outcome: PlaceOrderOutcome;
      try {
        outcome = await saga.placeOrder(command, (orderId) =>
          idempotency.attachOrder(customerId, key, orderId),
        );
      } catch (error) {
        // Only reachable when the order could not even be created: nothing happened, the key is free again.
        idempotency.abandon(customerId, key);
        throw error;
      }
      const response = render(outcome);
      idempotency.complete(customerId, key, response, clock.now().toISOString());
      return { kind: 'answered', response };
    },
  };
}
