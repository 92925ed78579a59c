import { afterEach, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Payment } from '../src/domain/payment.js';
import {
  charge,
  chargeBody,
  serviceToken,
  startPayments,
  storedRows,
  type RunningPayments,
} from './support/payment-app.js';

let payments: RunningPayments | undefined;

afterEach(async () => {
  await payments?.close();
  payments = undefined;
});

describe('Payment event hooks', () => {
  test('When a payment is captured and refunded (each twice), then each hook runs once; a decline runs none', async () => {
    const captured: Payment[] = [];
    const refunded: Payment[] = [];
    payments = await startPayments({
      hooks: { onPaymentCaptured: (p) => captured.push(p), onPaymentRefunded: (p) => refunded.push(p) },
    });
    const body = chargeBody();

    await charge(payments.url, body);
    await charge(payments.url, body);
    await charge(payments.url, chargeBody({ token: 'tok_chargeDeclined' }));
    for (let i = 0; i < 2; i++) {
      await request(payments.url, 'POST', `/internal/payments/by-order/${body.orderId}/refund`, {
        token: serviceToken,
      });
    }

    expect(captured).toEqual([expect.objectContaining({ orderId: body.orderId, status: 'CAPTURED' })]);
    expect(refunded).toEqual([expect.objectContaining({ orderId: body.orderId, status: 'REFUNDED' })]);
  });

  test('When the captured hook fails, then the payment is not stored (it runs in the transaction)', async () => {
    payments = await startPayments({
      hooks: {
        onPaymentCaptured: () => {
          throw new Error('outbox write failed');
        },
      },
    });
    const body = chargeBody();
    const res = await charge(payments.url, body);
    expect(res.status).toBe(500);
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
  });
});
