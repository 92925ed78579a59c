import { describe, expect, test } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../src/domain/order.js';
import { assertTransition, canTransition, isCancellable } from '../src/domain/order-status.js';

const allowed: [OrderStatus, OrderStatus][] = [
  ['PENDING', 'CONFIRMED'],
  ['PENDING', 'CANCELLED'],
  ['CONFIRMED', 'SHIPPED'],
  ['CONFIRMED', 'CANCELLED'],
  ['SHIPPED', 'DELIVERED'],
];

describe('Order state machine', () => {
  test('When a transition is in the lifecycle, then it is allowed; every other pair is rejected', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const expected = allowed.some(([a, b]) => a === from && b === to);
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(expected);
      }
    }
  });

  test('When an illegal transition is asserted, then it throws 409 illegal_transition', () => {
    expect(() => assertTransition('DELIVERED', 'CANCELLED')).toThrow(
      expect.objectContaining({ status: 409, code: 'illegal_transition' }),
    );
    expect(() => assertTransition('CANCELLED', 'CONFIRMED')).toThrow();
    expect(() => assertTransition('PENDING', 'CONFIRMED')).not.toThrow();
  });

  test('When goods have left, then the order is no longer cancellable', () => {
    expect(isCancellable('PENDING')).toBe(true);
    expect(isCancellable('CONFIRMED')).toBe(true);
    expect(isCancellable('SHIPPED')).toBe(false);
    expect(isCancellable('DELIVERED')).toBe(false);
    expect(isCancellable('CANCELLED')).toBe(false);
  });
});
