import { counter, type Registry } from '@shop/platform/runtime';

export interface CartMetrics {
  updated(operation: 'set_quantity' | 'remove_item' | 'clear'): void;
  /** The checkout's HTTP status (201, 202, 402, 409, 503), `replayed`, or the refusal's error code. */
  checkout(outcome: string): void;
  expired(count: number): void;
}

/** cart_updates_total{operation}, cart_checkouts_total{outcome}, carts_expired_total (docs/features/cart.md). */
export function createCartMetrics(registry: Registry): CartMetrics {
  const updates = counter(registry, {
    name: 'cart_updates_total',
    help: 'Cart changes by operation (set_quantity, remove_item, clear)',
    labelNames: ['operation'],
  });
  const checkouts = counter(registry, {
    name: 'cart_checkouts_total',
    help: 'Cart checkouts by outcome: the HTTP status, replayed, or the refusal code (cart_empty, ...)',
    labelNames: ['outcome'],
  });
  const expired = counter(registry, {
    name: 'carts_expired_total',
    help: 'Carts deleted after the configured idle time (CART_IDLE_TTL_MS)',
  });
  return {
    updated: (operation) => updates.inc({ operation }),
    checkout: (outcome) => checkouts.inc({ outcome }),
    expired: (count) => expired.inc(count),
  };
}
