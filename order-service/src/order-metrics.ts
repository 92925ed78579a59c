import { counter, gauge, type Registry } from '@shop/platform/runtime';
import type { CartMetrics, OrderMetrics } from './domain/ports.js';

/** orders_total{status} (docs/architecture.md#observability) and the recovery worker's outcomes. */
export function createOrderMetrics(registry: Registry): OrderMetrics {
  const orders = counter(registry, {
    name: 'orders_total',
    help: 'Orders entering each status (pending, confirmed, cancelled, shipped, delivered)',
    labelNames: ['status'],
  });
  const recoveries = counter(registry, {
    name: 'order_recoveries_total',
    help: 'PENDING orders handled by the recovery worker, by outcome (confirmed, cancelled, retried, waiting)',
    labelNames: ['outcome'],
  });
  return {
    entered: (status) => orders.inc({ status: status.toLowerCase() }),
    recovery: (outcome) => recoveries.inc({ outcome }),
  };
}

/**
 * order_refund_bound_seconds: how long, with this configuration, a capture can stay on an order that is not
 * confirmed before it is refunded (docs/money-invariants.md); alerts and the resilience suite read it.
 */
export function reportRefundBound(registry: Registry, boundMs: number): void {
  gauge(registry, {
    name: 'order_refund_bound_seconds',
    help: 'Longest a capture can stay on an order that is not confirmed before its refund, by configuration',
  }).set(boundMs / 1000);
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
