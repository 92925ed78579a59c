import { describe, expect, test } from 'vitest';
import { requestHash } from '../src/domain/idempotency.js';
import { parseIdempotencyKey, parseOrderRequest } from '../src/http/order-requests.js';

describe('parseOrderRequest', () => {
  test('When no payment token is given, then tok_visa is used', () => {
    expect(parseOrderRequest({ product_id: 3, quantity: 2 })).toEqual({
      lines: [{ productId: 3, quantity: 2 }],
      paymentToken: 'tok_visa',
    });
  });

  test('When both shapes are mixed, then the request is rejected', () => {
    expect(() =>
      parseOrderRequest({ items: [{ productId: 1, quantity: 1 }], product_id: 1, quantity: 1 }),
    ).toThrow(expect.objectContaining({ status: 400 }));
  });

  test('When server-owned fields are sent, then they are dropped', () => {
    expect(
      parseOrderRequest({
        items: [{ productId: 1, quantity: 1, unitPriceCents: 0 }],
        status: 'CONFIRMED',
        customerId: 'someone-else',
      }),
    ).toEqual({ lines: [{ productId: 1, quantity: 1 }], paymentToken: 'tok_visa' });
  });
});

describe('Idempotency-Key', () => {
  test('When the header is absent, then there is no key; control characters or spaces are rejected', () => {
    expect(parseIdempotencyKey('')).toBeUndefined();
    expect(parseIdempotencyKey('abc-123_X')).toBe('abc-123_X');
    expect(() => parseIdempotencyKey('has space')).toThrow();
  });

  test('When lines come in another order, then the request hash is the same; another token changes it', () => {
    const a = requestHash(
      [
        { productId: 1, quantity: 1 },
        { productId: 2, quantity: 3 },
      ],
      'tok_visa',
    );
    const b = requestHash(
      [
        { productId: 2, quantity: 3 },
        { productId: 1, quantity: 1 },
      ],
      'tok_visa',
    );
    expect(a).toBe(b);
    expect(
      requestHash(
        [
          { productId: 1, quantity: 1 },
          { productId: 2, quantity: 3 },
        ],
        'tok_mastercard',
      ),
    ).not.toBe(a);
  });
});
