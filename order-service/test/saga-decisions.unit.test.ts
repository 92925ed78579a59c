import { describe, expect, test } from 'vitest';
import type { Unavailable } from '../src/domain/ports.js';
import {
  backoffMs,
  decideAfterCharge,
  decideAfterReservation,
  decideRecovery,
  priceLines,
  type RecoveryPolicy,
} from '../src/domain/saga-decisions.js';

const ORDER_ID = '0b8f2a57-3c55-4a8e-9f3d-0c2d7a1e9b10';
const requested = [
  { productId: 1, quantity: 2 },
  { productId: 2, quantity: 1 },
];
const reserved = [
  { productId: 1, name: 'Keyboard', quantity: 2, unitPriceCents: 8999 },
  { productId: 2, name: 'Cable', quantity: 1, unitPriceCents: 1299 },
];
const notSent: Unavailable = {
  kind: 'unavailable',
  outcome: 'not_sent',
  retryAfterSeconds: 7,
  detail: 'refused',
};
const unknown: Unavailable = {
  kind: 'unavailable',
  outcome: 'unknown',
  retryAfterSeconds: undefined,
  detail: 'timeout',
};

describe('priceLines', () => {
  test('When the reservation covers every line, then prices and the total come from it', () => {
    expect(priceLines(requested, reserved)).toEqual({
      lines: [
        { productId: 1, name: 'Keyboard', unitPriceCents: 8999 },
        { productId: 2, name: 'Cable', unitPriceCents: 1299 },
      ],
      totalCents: 2 * 8999 + 1299,
    });
  });

  test('When the reservation misses a line or has another quantity, then nothing is priced', () => {
    expect(priceLines(requested, reserved.slice(0, 1))).toBeUndefined();
    expect(priceLines(requested, [{ ...reserved[0]!, quantity: 1 }, reserved[1]!])).toBeUndefined();
  });
});

describe('decideAfterReservation', () => {
  test('When reserved, then charge the priced total', () => {
    expect(
      decideAfterReservation(ORDER_ID, requested, { kind: 'reserved', items: reserved, currency: 'USD' }, 5),
    ).toMatchObject({ next: 'charge', totalCents: 19297, currency: 'USD' });
  });

  test('When out of stock, then cancel out_of_stock with 409 and nothing to release', () => {
    const decision = decideAfterReservation(
      ORDER_ID,
      requested,
      { kind: 'out_of_stock', message: 'No stock', details: { productId: 1, requested: 2, available: 1 } },
      5,
    );
    expect(decision).toEqual({
      next: 'cancel',
      reason: 'out_of_stock',
      release: false,
      rejection: {
        status: 409,
        code: 'out_of_stock',
        message: 'No stock',
        details: { productId: 1, requested: 2, available: 1, orderId: ORDER_ID },
      },
    });
  });

  test('When inventory was not reached, then cancel with 503 and its Retry-After, releasing in case an earlier attempt reserved', () => {
    expect(decideAfterReservation(ORDER_ID, requested, notSent, 5)).toMatchObject({
      next: 'cancel',
      reason: 'dependency_unavailable',
      release: true,
      rejection: { status: 503, retryAfterSeconds: 7 },
    });
  });

  test('When the outcome is unknown, then park the order for recovery', () => {
    expect(decideAfterReservation(ORDER_ID, requested, unknown, 5)).toEqual({ next: 'park' });
  });
});

describe('decideAfterCharge', () => {
  test('When captured, then confirm with the payment id', () => {
    expect(
      decideAfterCharge(ORDER_ID, { kind: 'captured', payment: { id: 'p1', status: 'CAPTURED' } }, 5),
    ).toEqual({
      next: 'confirm',
      paymentId: 'p1',
    });
  });

  test('When declined, then cancel payment_declined with 402 and no reconciliation', () => {
    expect(
      decideAfterCharge(ORDER_ID, { kind: 'declined', message: 'Your card was declined' }, 5),
    ).toMatchObject({
      next: 'cancel',
      reason: 'payment_declined',
      reconcilePayment: false,
      rejection: { status: 402, code: 'payment_declined', message: 'Your card was declined' },
    });
  });

  test('When payment was not reached, then cancel with 503 (fallback Retry-After) and reconcile later', () => {
    expect(decideAfterCharge(ORDER_ID, { ...notSent, retryAfterSeconds: undefined }, 5)).toMatchObject({
      next: 'cancel',
      reason: 'dependency_unavailable',
      reconcilePayment: true,
      rejection: { status: 503, retryAfterSeconds: 5 },
    });
  });

  test('When the outcome is unknown, then park', () => {
    expect(decideAfterCharge(ORDER_ID, unknown, 5)).toEqual({ next: 'park' });
  });
});

describe('decideRecovery', () => {
  const policy: RecoveryPolicy = {
    deadlineMs: 60_000,
    hardDeadlineMs: 120_000,
    backoffBaseMs: 1000,
    backoffCapMs: 8000,
  };
  const createdAt = '2030-01-01T00:00:00.000Z';
  const at = (ms: number) => new Date(Date.parse(createdAt) + ms);
  const order = { createdAt, recoveryAttempts: 0 };
  // The charge's "not found" is final 5 s after the order was created.
  const finalAt = at(5000);

  test('When payment shows a capture, then confirm', () => {
    expect(
      decideRecovery(
        order,
        { kind: 'found', payment: { id: 'p9', status: 'CAPTURED' } },
        at(10_000),
        policy,
        finalAt,
      ),
    ).toEqual({
      action: 'confirm',
      paymentId: 'p9',
    });
  });

  test('When payment shows a decline, then cancel payment_declined and release', () => {
    expect(
      decideRecovery(
        order,
        { kind: 'found', payment: { id: 'p9', status: 'DECLINED' } },
        at(10_000),
        policy,
        finalAt,
      ),
    ).toMatchObject({ action: 'cancel', reason: 'payment_declined', release: true });
  });

  test('When payment has no charge before the charge deadline has passed, then wait until it has (issue 8)', () => {
    expect(decideRecovery(order, { kind: 'not_found' }, at(4999), policy, finalAt)).toEqual({
      action: 'wait',
      nextAttemptAt: finalAt,
    });
  });

  test('When payment never saw the order and its charge deadline has passed, then cancel payment_not_received before the pending deadline, pending_timeout after', () => {
    expect(decideRecovery(order, { kind: 'not_found' }, at(5000), policy, finalAt)).toMatchObject({
      action: 'cancel',
      reason: 'payment_not_received',
      reconcilePayment: false,
    });
    expect(decideRecovery(order, { kind: 'not_found' }, at(60_000), policy, finalAt)).toMatchObject({
      action: 'cancel',
      reason: 'pending_timeout',
    });
  });

  test('When the saga never reached payment, then cancel and release without asking payment', () => {
    expect(decideRecovery(order, undefined, at(10_000), policy, finalAt)).toEqual({
      action: 'cancel',
      reason: 'dependency_unavailable',
      release: true,
      reconcilePayment: false,
    });
  });

  test('When payment cannot be asked, then retry with exponential backoff until the hard deadline, then cancel', () => {
    expect(decideRecovery({ createdAt, recoveryAttempts: 2 }, unknown, at(90_000), policy, finalAt)).toEqual({
      action: 'retry',
      attempts: 3,
      nextAttemptAt: at(90_000 + 4000),
    });
    expect(
      decideRecovery({ createdAt, recoveryAttempts: 9 }, notSent, at(120_000), policy, finalAt),
    ).toMatchObject({
      action: 'cancel',
      reason: 'pending_timeout',
      reconcilePayment: true,
    });
  });

  test('When backoff grows, then it is capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 8000))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });
});
