import type { Db } from '@shop/platform/runtime';
import type { CancelledOrderStore } from '../domain/ports.js';

export function createCancelledOrderRepository(db: Db): CancelledOrderStore {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO cancelled_orders (order_id, customer_id, reason, correlation_id, cancelled_at)
     VALUES (@orderId, @customerId, @reason, @correlationId, @cancelledAt)`,
  );
  const exists = db.prepare<[string]>('SELECT 1 FROM cancelled_orders WHERE order_id = ?').pluck();
  return {
    record: (order) => {
      insert.run(order);
    },
    isCancelled: (orderId) => exists.get(orderId) !== undefined,
  };
}
