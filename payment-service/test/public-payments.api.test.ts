import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import type { Payment } from '../src/domain/payment.js';
import {
  adminToken,
  charge,
  chargeBody,
  customerToken,
  serviceToken,
  startPayments,
  storedRows,
  type RunningPayments,
} from './support/payment-app.js';

interface PaymentList {
  data: Payment[];
  pagination: { page: number; limit: number; total: number };
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

async function paymentFor(customerId: string, overrides: Record<string, unknown> = {}): Promise<Payment> {
  const body = chargeBody({ customerId, ...overrides });
  const res = await charge(url, body);
  if (res.status === 201) return res.body;
  const stored = await request<Payment>(url, 'GET', `/internal/payments/by-order/${body.orderId}`, {
    token: serviceToken,
  });
  return stored.body;
}

describe('GET /api/payments', () => {
  test("When the owner asks for their order's payment, then 200 with it", async () => {
    const alice = `alice-${randomUUID()}`;
    const payment = await paymentFor(alice);
    const res = await request<PaymentList>(url, 'GET', `/api/payments?orderId=${payment.orderId}`, {
      token: customerToken(alice),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [payment], pagination: { page: 1, limit: 20, total: 1 } });
  });

  test("When another customer asks for that order's payment, then 404, like an order without one", async () => {
    const payment = await paymentFor(`alice-${randomUUID()}`);
    const other = await request(url, 'GET', `/api/payments?orderId=${payment.orderId}`, {
      token: customerToken(`bob-${randomUUID()}`),
    });
    const none = await request(url, 'GET', `/api/payments?orderId=${randomUUID()}`, {
      token: customerToken(`bob-${randomUUID()}`),
    });
    expect(other.status).toBe(404);
    expect(none.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: 'not_found' } });
    expect(JSON.stringify(other.body)).not.toContain(payment.id);
  });

  test('When a customer lists without orderId, then only their own payments, newest first', async () => {
    const carol = `carol-${randomUUID()}`;
    const first = await paymentFor(carol);
    const second = await paymentFor(carol, { token: 'tok_chargeDeclined' });
    await paymentFor(`dave-${randomUUID()}`);

    const res = await request<PaymentList>(url, 'GET', '/api/payments', { token: customerToken(carol) });

    expect(res.status).toBe(200);
    expect(res.body.data.map((p) => p.id)).toEqual([second.id, first.id]);
    expect(res.body.pagination.total).toBe(2);
    expect(res.body.data[0]).toMatchObject({ status: 'DECLINED', declineReason: 'Your card was declined' });
  });

  test('When an admin asks for any order, then 200', async () => {
    const payment = await paymentFor(`erin-${randomUUID()}`);
    const res = await request<PaymentList>(url, 'GET', `/api/payments?orderId=${payment.orderId}`, {
      token: adminToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([payment]);
  });

  test.each(['orderId=123', 'limit=101', 'page=0', 'status=PENDING', 'customerId=x', 'orderId='])(
    'When the query is %s, then 400',
    async (query) => {
      const res = await request(url, 'GET', `/api/payments?${query}`, { token: adminToken });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    },
  );

  test('When anonymous, then 401', async () => {
    const res = await request(url, 'GET', '/api/payments');
    expect(res.status).toBe(401);
  });
});

describe('GET /api/payments (admin listing)', () => {
  let isolated: RunningPayments;

  beforeAll(async () => {
    isolated = await startPayments();
  });
  afterEach(() => {
    isolated.db.exec('DELETE FROM payments');
  });
  afterAll(async () => {
    await isolated.close();
  });

  test("When an admin lists without orderId, then every customer's payments, paginated, filterable by status", async () => {
    for (const customer of ['a', 'b', 'c']) await charge(isolated.url, chargeBody({ customerId: customer }));
    await charge(isolated.url, chargeBody({ customerId: 'd', token: 'tok_chargeDeclined' }));

    const page1 = await request<PaymentList>(isolated.url, 'GET', '/api/payments?limit=3', {
      token: adminToken,
    });
    const page2 = await request<PaymentList>(isolated.url, 'GET', '/api/payments?limit=3&page=2', {
      token: adminToken,
    });
    const declined = await request<PaymentList>(isolated.url, 'GET', '/api/payments?status=DECLINED', {
      token: adminToken,
    });

    expect(page1.body.pagination).toEqual({ page: 1, limit: 3, total: 4 });
    expect(page1.body.data).toHaveLength(3);
    expect(page2.body.data).toHaveLength(1);
    expect(new Set([...page1.body.data, ...page2.body.data].map((p) => p.customerId))).toEqual(
      new Set(['a', 'b', 'c', 'd']),
    );
    expect(declined.body.data.map((p) => p.customerId)).toEqual(['d']);
  });
});

describe('POST /api/payments/:id/refund', () => {
  test('When the payment was declined, then 409 payment_not_refundable', async () => {
    const payment = await paymentFor(`gina-${randomUUID()}`, { token: 'tok_chargeDeclined' });
    const res = await request(url, 'POST', `/api/payments/${payment.id}/refund`, { token: adminToken });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'payment_not_refundable' } });
  });

  test('When the owner (a customer) asks for a refund, then 403 and the payment stays captured', async () => {
    const owner = `hank-${randomUUID()}`;
    const payment = await paymentFor(owner);
    const res = await request(url, 'POST', `/api/payments/${payment.id}/refund`, {
      token: customerToken(owner),
    });
    expect(res.status).toBe(403);
    expect(storedRows(payments.db, payment.orderId)).toEqual([{ status: 'CAPTURED' }]);
  });

  test('When the id is unknown, then 404; malformed, then 400; a body with fields, then 400', async () => {
    const payment = await paymentFor(`ivy-${randomUUID()}`);
    const unknown = await request(url, 'POST', `/api/payments/${randomUUID()}/refund`, { token: adminToken });
    const malformed = await request(url, 'POST', '/api/payments/42/refund', { token: adminToken });
    const withBody = await request(url, 'POST', `/api/payments/${payment.id}/refund`, {
      token: adminToken,
      body: { amountCents: 1 },
    });
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(withBody.status).toBe(400);
    expect(storedRows(payments.db, payment.orderId)).toEqual([{ status: 'CAPTURED' }]);
  });
});
