import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Payment } from '../src/domain/payment.js';
import {
  adminToken,
  charge,
  chargeBody,
  customerToken,
  paymentsMetric,
  serviceToken,
  startPayments,
  storedRows,
  type RunningPayments,
} from './support/payment-app.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { payment?: Payment } };
}

let payments: RunningPayments;
let url: string;

beforeAll(async () => {
  payments = await startPayments();
  url = payments.url;
});
afterAll(async () => {
  await payments.close();
});

describe('POST /internal/payments', () => {
  test('When the card approves, then 201 CAPTURED, the payment is stored and counted', async () => {
    const body = chargeBody();
    const capturedBefore = await paymentsMetric(url, 'captured');

    const res = await charge(url, body);

    expect(res.status).toBe(201);
    const { id, createdAt, ...rest } = res.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(createdAt))).toBe(false);
    expect(rest).toEqual({
      orderId: body.orderId,
      customerId: body.customerId,
      amountCents: 8999,
      currency: 'USD',
      status: 'CAPTURED',
    });
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'CAPTURED' }]);
    expect(await paymentsMetric(url, 'captured')).toBe(capturedBefore + 1);
  });

  test('When no token is sent, then tok_visa is used and the charge is captured', async () => {
    const { token: _token, ...body } = chargeBody();
    const res = await charge(url, body);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('CAPTURED');
  });

  test('When another tok_ token is sent, then it approves too', async () => {
    const res = await charge(url, chargeBody({ token: 'tok_mastercard' }));
    expect(res.status).toBe(201);
  });

  test('When the card declines, then 402 payment_declined with the reason, and the DECLINED payment is stored', async () => {
    const body = chargeBody({ token: 'tok_chargeDeclined' });
    const declinedBefore = await paymentsMetric(url, 'declined');

    const res = await request<ErrorBody>(url, 'POST', '/internal/payments', { token: serviceToken, body });

    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('payment_declined');
    expect(res.body.error.message).toBe('Your card was declined');
    expect(res.body.error.details?.payment).toMatchObject({ orderId: body.orderId, status: 'DECLINED' });
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'DECLINED' }]);
    expect(await paymentsMetric(url, 'declined')).toBe(declinedBefore + 1);
  });

  test('When the same order is charged twice, then one row, the same 201 body, counted once', async () => {
    const body = chargeBody();
    const capturedBefore = await paymentsMetric(url, 'captured');

    const first = await charge(url, body);
    const second = await charge(url, body);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(storedRows(payments.db, body.orderId)).toHaveLength(1);
    expect(await paymentsMetric(url, 'captured')).toBe(capturedBefore + 1);
  });

  test('When a declined order is charged again (even with a good card), then the same 402 and still one row', async () => {
    const body = chargeBody({ token: 'tok_chargeDeclined' });
    const first = await request<ErrorBody>(url, 'POST', '/internal/payments', { token: serviceToken, body });
    const second = await request<ErrorBody>(url, 'POST', '/internal/payments', { token: serviceToken, body });
    const retryWithVisa = await request(url, 'POST', '/internal/payments', {
      token: serviceToken,
      body: { ...body, token: 'tok_visa' },
    });

    expect(first.status).toBe(402);
    expect(second.status).toBe(402);
    expect(retryWithVisa.status).toBe(402);
    expect(second.body).toMatchObject({
      error: { code: 'payment_declined', details: first.body.error.details },
    });
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'DECLINED' }]);
  });

  test('When 20 duplicate charges for one order arrive at once, then exactly one capture', async () => {
    const body = chargeBody();
    const capturedBefore = await paymentsMetric(url, 'captured');

    const responses = await Promise.all(Array.from({ length: 20 }, () => charge(url, body)));

    expect(responses.map((res) => res.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((res) => res.body.id)).size).toBe(1);
    expect(storedRows(payments.db, body.orderId)).toHaveLength(1);
    expect(await paymentsMetric(url, 'captured')).toBe(capturedBefore + 1);
  });

  test('When the same order is charged with another amount, then 422 idempotency_mismatch and nothing changes', async () => {
    const body = chargeBody();
    const first = await charge(url, body);
    const res = await request(url, 'POST', '/internal/payments', {
      token: serviceToken,
      body: { ...body, amountCents: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'idempotency_mismatch' } });
    const stored = await request<Payment>(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
      token: serviceToken,
    });
    expect(stored.body).toEqual(first.body);
  });

  test.each([
    ['an invalid token string', { token: 'visa' }],
    ['an empty token', { token: '' }],
    ['a token with spaces', { token: 'tok_ visa' }],
    ['a non-uuid orderId', { orderId: 'order-1' }],
    ['a zero amount', { amountCents: 0 }],
    ['a fractional amount', { amountCents: 10.5 }],
    ['another currency', { currency: 'EUR' }],
    ['an empty customerId', { customerId: '' }],
    ['an unknown field', { status: 'CAPTURED' }],
  ])('When the body has %s, then 400 and nothing is stored', async (_case, overrides) => {
    const body = chargeBody(overrides);
    const res = await request(url, 'POST', '/internal/payments', { token: serviceToken, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    if (typeof body.orderId === 'string') expect(storedRows(payments.db, body.orderId)).toEqual([]);
  });

  test('When the bearer token is forged, then 401 with WWW-Authenticate and nothing is stored', async () => {
    const body = chargeBody();
    const res = await charge(url, body, `${serviceToken.slice(0, -4)}AAAA`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
  });

  test('When a customer charges, then 403 and nothing is stored; anonymous 401', async () => {
    const body = chargeBody({ customerId: 'alice' });
    const asCustomer = await charge(url, body, customerToken('alice'));
    const anonymous = await request(url, 'POST', '/internal/payments', { body });
    expect(asCustomer.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
  });
});

describe('GET /internal/payments/by-order/:orderId', () => {
  test('When the order has a payment, then 200 with it; none 404; bad id 400', async () => {
    const body = chargeBody();
    const created = await charge(url, body);

    const found = await request(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
      token: serviceToken,
    });
    const none = await request(url, 'GET', `/internal/payments/by-order/${randomUUID()}`, {
      token: serviceToken,
    });
    const bad = await request(url, 'GET', '/internal/payments/by-order/nope', { token: serviceToken });

    expect(found.status).toBe(200);
    expect(found.body).toEqual(created.body);
    expect(none.status).toBe(404);
    expect(bad.status).toBe(400);
  });

  test('When the owning customer asks the internal route, then 403 (customers use /api/payments)', async () => {
    const body = chargeBody({ customerId: 'alice' });
    await charge(url, body);
    const res = await request(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
      token: customerToken('alice'),
    });
    expect(res.status).toBe(403);
  });

  test('When an admin asks, then 200', async () => {
    const body = chargeBody();
    await charge(url, body);
    const res = await request(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
      token: adminToken,
    });
    expect(res.status).toBe(200);
  });
});

describe('POST /internal/payments/by-order/:orderId/refund', () => {
  function refund(orderId: string, token = serviceToken) {
    return request<Payment>(url, 'POST', `/internal/payments/by-order/${orderId}/refund`, { token });
  }

  test('When a captured payment is refunded, then 200 REFUNDED; again, the same body and counted once', async () => {
    const body = chargeBody();
    const created = await charge(url, body);
    const refundedBefore = await paymentsMetric(url, 'refunded');

    const first = await refund(body.orderId);
    const second = await refund(body.orderId);

    expect(first.status).toBe(200);
    const { refundedAt, ...rest } = first.body;
    expect(rest).toEqual({ ...created.body, status: 'REFUNDED', refundReason: 'unspecified' });
    expect(Number.isNaN(Date.parse(refundedAt ?? ''))).toBe(false);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'REFUNDED' }]);
    expect(await paymentsMetric(url, 'refunded')).toBe(refundedBefore + 1);
  });

  test('When the payment was declined, then 409 payment_not_refundable; none 404; customer 403', async () => {
    const declined = chargeBody({ token: 'tok_chargeDeclined', customerId: 'alice' });
    await charge(url, declined);

    const res = await refund(declined.orderId);

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'payment_not_refundable' } });
    expect(storedRows(payments.db, declined.orderId)).toEqual([{ status: 'DECLINED' }]);
    expect((await refund(randomUUID())).status).toBe(404);
    expect((await refund(declined.orderId, customerToken('alice'))).status).toBe(403);
  });

  test('When a refunded order is charged again, then it is not captured a second time', async () => {
    const body = chargeBody();
    await charge(url, body);
    await refund(body.orderId);
    const again = await charge(url, body);
    expect(again.body.status).toBe('REFUNDED');
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'REFUNDED' }]);
  });
});
