import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Payment } from '../src/domain/payment.js';
import {
  adminToken,
  charge,
  chargeBody,
  metric,
  serviceToken,
  startPayments,
  storedRows,
  type RunningPayments,
} from './support/payment-app.js';

// Issue 8: a charge that reaches payment late must not capture money for an order that order-service has
// given up on. Real app, real SQLite file, real event bus (embedded file), real signed tokens.
let payments: RunningPayments;
let url: string;

beforeAll(async () => {
  payments = await startPayments();
  url = payments.url;
});
afterAll(async () => {
  await payments.close();
});

const inOneMinute = () => new Date(Date.now() + 60_000).toISOString();
const aSecondAgo = () => new Date(Date.now() - 1000).toISOString();

function outboxTypes(orderId: string): string[] {
  return (payments.db.prepare('SELECT envelope FROM event_outbox ORDER BY seq').pluck().all() as string[])
    .map((envelope) => JSON.parse(envelope) as { type: string; data: { orderId: string } })
    .filter((event) => event.data.orderId === orderId)
    .map((event) => event.type);
}

function refund(orderId: string, body: unknown, correlationId = `refund-${randomUUID()}`) {
  return request<Payment & { error?: { code: string } }>(
    url,
    'POST',
    `/internal/payments/by-order/${orderId}/refund`,
    { token: serviceToken, body, headers: { 'x-correlation-id': correlationId } },
  );
}

describe('POST /internal/payments with a deadline', () => {
  test('When the charge arrives after its deadline, then 409 charge_deadline_passed, nothing is stored or published, and the refusal is counted and logged under the request correlation ID', async () => {
    const deadline = aSecondAgo();
    const body = chargeBody({ deadline });
    const refusedBefore = await metric(url, 'payment_charges_refused_total', { reason: 'deadline_passed' });

    const res = await request<{ error: { code: string; details: unknown } }>(
      url,
      'POST',
      '/internal/payments',
      {
        token: serviceToken,
        body,
        headers: { 'x-correlation-id': 'late-charge-1' },
      },
    );

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'charge_deadline_passed',
      details: { orderId: body.orderId, deadline },
    });
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
    expect(outboxTypes(body.orderId)).toEqual([]);
    expect(await metric(url, 'payment_charges_refused_total', { reason: 'deadline_passed' })).toBe(
      refusedBefore + 1,
    );
    expect(payments.logLines().find((line) => line.orderId === body.orderId)).toMatchObject({
      message: 'charge refused unprocessed',
      'log.level': 'warn',
      reason: 'deadline_passed',
      correlationId: 'late-charge-1',
    });
    const lookup = await request(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
      token: serviceToken,
    });
    expect(lookup.status).toBe(404);
  });

  test('When the charge arrives before its deadline, then it is captured as usual', async () => {
    const body = chargeBody({ deadline: inOneMinute() });

    const res = await charge(url, body);

    expect(res.status).toBe(201);
    expect(res.body.status).toBe('CAPTURED');
    expect(outboxTypes(body.orderId)).toEqual(['PaymentCaptured']);
  });

  test('When a captured charge is repeated after its deadline, then the first result is returned (the repeat charges nothing)', async () => {
    const body = chargeBody({ deadline: inOneMinute() });
    const first = await charge(url, body);

    const repeat = await charge(url, { ...body, deadline: aSecondAgo() });

    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual(first.body);
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'CAPTURED' }]);
  });

  test('When the deadline is not an ISO 8601 instant, then 400 validation_failed and nothing is stored', async () => {
    const body = chargeBody({ deadline: 'tomorrow' });

    const res = await charge(url, body);

    expect(res.status).toBe(400);
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
  });
});

describe('Refund reasons', () => {
  test('When order-service refunds a late capture, then 200 REFUNDED with the reason, counted once by reason, published and logged with the correlation ID', async () => {
    const body = chargeBody();
    await charge(url, body);
    const before = await metric(url, 'payment_refunds_total', { reason: 'late_capture' });

    const first = await refund(body.orderId, { reason: 'late_capture' }, 'late-refund-1');
    const second = await refund(body.orderId, { reason: 'late_capture' });

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'REFUNDED', refundReason: 'late_capture' });
    expect(second.body).toEqual(first.body);
    expect(await metric(url, 'payment_refunds_total', { reason: 'late_capture' })).toBe(before + 1);
    expect(outboxTypes(body.orderId)).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    const published = payments.db
      .prepare('SELECT envelope FROM event_outbox ORDER BY seq DESC LIMIT 1')
      .pluck()
      .get() as string;
    expect(JSON.parse(published)).toMatchObject({
      type: 'PaymentRefunded',
      correlationId: 'late-refund-1',
      data: { orderId: body.orderId, reason: 'late_capture' },
    });
    expect(
      payments
        .logLines()
        .find((line) => line.orderId === body.orderId && line.message === 'payment refunded'),
    ).toMatchObject({ 'log.level': 'warn', reason: 'late_capture', correlationId: 'late-refund-1' });
  });

  test("When the reason is not one of order-service's, then 400 and the payment stays CAPTURED", async () => {
    const body = chargeBody();
    await charge(url, body);

    const res = await refund(body.orderId, { reason: 'manual' });

    expect(res.status).toBe(400);
    expect(storedRows(payments.db, body.orderId)).toEqual([{ status: 'CAPTURED' }]);
  });
});

describe('Orders announced cancelled (OrderCancelled)', () => {
  test('When an admin refunds the payment of an order that is not cancelled, then 409 refund_requires_order_cancellation and the payment stays CAPTURED', async () => {
    const created = await charge(url, chargeBody());

    const res = await request<{ error: { code: string; message: string; details: unknown } }>(
      url,
      'POST',
      `/api/payments/${created.body.id}/refund`,
      { token: adminToken },
    );

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'refund_requires_order_cancellation',
      details: { orderId: created.body.orderId, paymentId: created.body.id },
    });
    expect(res.body.error.message).toContain(`POST /api/orders/${created.body.orderId}/cancel`);
    expect(storedRows(payments.db, created.body.orderId)).toEqual([{ status: 'CAPTURED' }]);
  });

  test('When the order was announced cancelled, then the admin refund is 200 REFUNDED (manual), idempotent and counted once', async () => {
    const created = await charge(url, chargeBody());
    await payments.announceCancelled(created.body.orderId);
    const before = await metric(url, 'payment_refunds_total', { reason: 'manual' });

    const first = await request<Payment>(url, 'POST', `/api/payments/${created.body.id}/refund`, {
      token: adminToken,
    });
    const second = await request<Payment>(url, 'POST', `/api/payments/${created.body.id}/refund`, {
      token: adminToken,
    });

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'REFUNDED', refundReason: 'manual' });
    expect(first.body.refundedAt).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/));
    expect(second.body).toEqual(first.body);
    expect(await metric(url, 'payment_refunds_total', { reason: 'manual' })).toBe(before + 1);
  });

  test('When a charge arrives for an order announced cancelled, then 409 order_cancelled and nothing is captured', async () => {
    const body = chargeBody({ deadline: inOneMinute() });
    await payments.announceCancelled(body.orderId);
    const before = await metric(url, 'payment_charges_refused_total', { reason: 'order_cancelled' });

    const res = await request<{ error: { code: string } }>(url, 'POST', '/internal/payments', {
      token: serviceToken,
      body,
    });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('order_cancelled');
    expect(storedRows(payments.db, body.orderId)).toEqual([]);
    expect(await metric(url, 'payment_charges_refused_total', { reason: 'order_cancelled' })).toBe(
      before + 1,
    );
  });
});
