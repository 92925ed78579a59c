import { counter, type Registry } from '@shop/platform';
import type { OrderMetrics } from './domain/ports.js';

/** orders_total{status} (design §8) and the recovery worker's outcomes. */
export function createOrderMetrics(registry: Registry): OrderMetrics {
  const orders = counter(registry, {
    name: 'orders_total',
    help: 'Orders entering each status (pending, confirmed, cancelled, shipped, delivered)',
    labelNames: ['status'],
  });
  const recoveries = counter(registry, {
    name: 'order_recoveries_total',
    help: 'PENDING orders handled by the recovery worker, by outcome (confirmed, cancelled, retried)',
    labelNames: ['outcome'],
  });
  return {
    entered: (status) => orders.inc({ status: status.toLowerCase() }),
    recovery: (outcome) => recoveries.inc({ outcome }),
  };
}
