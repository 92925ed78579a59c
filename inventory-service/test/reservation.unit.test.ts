import { describe, expect, test } from 'vitest';
import { mergeLines, sameLines, totalOf, type Reservation } from '../src/domain/reservation.js';

const reservation: Reservation = {
  orderId: 'o',
  status: 'RESERVED',
  items: [
    { productId: 1, name: 'A', quantity: 2, unitPriceCents: 150 },
    { productId: 2, name: 'B', quantity: 1, unitPriceCents: 1000 },
  ],
  totalCents: 1300,
  currency: 'USD',
};

describe('Reservation rules', () => {
  test('When a product is on several lines, then mergeLines adds them up in first-seen order', () => {
    expect(
      mergeLines([
        { productId: 2, quantity: 1 },
        { productId: 1, quantity: 1 },
        { productId: 2, quantity: 3 },
      ]),
    ).toEqual([
      { productId: 2, quantity: 4 },
      { productId: 1, quantity: 1 },
    ]);
  });

  test('When a repeat asks for the same lines in another order, then sameLines is true; otherwise false', () => {
    expect(
      sameLines(reservation, [
        { productId: 2, quantity: 1 },
        { productId: 1, quantity: 2 },
      ]),
    ).toBe(true);
    expect(sameLines(reservation, [{ productId: 1, quantity: 2 }])).toBe(false);
    expect(
      sameLines(reservation, [
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 2 },
      ]),
    ).toBe(false);
    expect(
      sameLines(reservation, [
        { productId: 1, quantity: 2 },
        { productId: 3, quantity: 1 },
      ]),
    ).toBe(false);
  });

  test('When lines are priced, then totalOf is the sum of quantity times unit price', () => {
    expect(totalOf(reservation.items)).toBe(1300);
  });
});
