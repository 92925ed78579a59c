import { AppError } from '@shop/platform/runtime';
import type { OrderStatus } from './order.js';

const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('illegal_transition', `An order cannot go from ${from} to ${to}`, 409, {
      details: { from, to },
    });
  }
}

/** Once the goods have left (SHIPPED, DELIVERED), an order can no longer be cancelled. */
export function isCancellable(status: OrderStatus): boolean {
  return canTransition(status, 'CANCELLED');
}
