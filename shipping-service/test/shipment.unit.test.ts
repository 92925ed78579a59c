import { describe, expect, test } from 'vitest';
import {
  CARRIERS,
  canAdvance,
  estimatedDeliveryDate,
  isCancellable,
  pickCarrier,
  trackingNumberFor,
} from '../src/domain/shipment.js';

describe('estimatedDeliveryDate', () => {
  test('When scheduled on a Monday, then delivery is expected on Thursday', () => {
    expect(estimatedDeliveryDate(new Date('2025-03-03T10:00:00Z'))).toBe('2025-03-06');
  });

  test('When scheduled on a Thursday, then the weekend is skipped (Tuesday)', () => {
    expect(estimatedDeliveryDate(new Date('2025-03-06T23:59:00Z'))).toBe('2025-03-11');
  });

  test('When scheduled on a Saturday, then delivery is expected on Wednesday', () => {
    expect(estimatedDeliveryDate(new Date('2025-03-08T08:00:00Z'))).toBe('2025-03-12');
  });
});

describe('shipment transitions', () => {
  test.each([
    ['SCHEDULED', 'IN_TRANSIT', true],
    ['IN_TRANSIT', 'DELIVERED', true],
    ['SCHEDULED', 'DELIVERED', false],
    ['IN_TRANSIT', 'IN_TRANSIT', false],
    ['DELIVERED', 'IN_TRANSIT', false],
    ['CANCELLED', 'IN_TRANSIT', false],
    ['IN_TRANSIT', 'SCHEDULED', false],
  ] as const)('When moving %s to %s, then allowed is %s', (from, to, allowed) => {
    expect(canAdvance(from, to)).toBe(allowed);
  });

  test('When a shipment has left, then it can no longer be cancelled', () => {
    expect([isCancellable('SCHEDULED'), isCancellable('IN_TRANSIT'), isCancellable('DELIVERED')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('carrier and tracking number', () => {
  test('When the same order is scheduled again, then it gets the same carrier', () => {
    const orderId = '3f1c3a52-2d7e-4b8e-9a55-2b1a8f6a9c11';
    expect(pickCarrier(orderId)).toBe(pickCarrier(orderId));
    expect(CARRIERS).toContain(pickCarrier(orderId));
  });

  test('When many orders are scheduled, then more than one carrier is used', () => {
    const carriers = new Set(Array.from({ length: 40 }, (_, i) => pickCarrier(`order-${i}`)));
    expect(carriers.size).toBeGreaterThan(1);
  });

  test('When a tracking number is made, then it has the carrier prefix and 16 hex digits', () => {
    expect(trackingNumberFor('UPS', 'shipment-1')).toMatch(/^1Z[0-9A-F]{16}$/);
    expect(trackingNumberFor('UPS', 'shipment-1')).not.toBe(trackingNumberFor('UPS', 'shipment-2'));
  });
});
