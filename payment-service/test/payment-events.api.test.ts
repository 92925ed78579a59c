import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  charge,
  chargeBody,
  serviceToken,
  startPayments,
  type RunningPayments,
} from './support/payment-app.js';

interface StoredEvent {
  type: string;
  correlationId: string;
  source: string;
  data: Record<string, unknown>;
}

describe('Payment events (outbox)', () => {
  let payments: RunningPayments;

  beforeAll(async () => {
    payments = await startPayments();
  });
  afterAll(async () => {
    await payments.close();
  });

  function eventsOf(orderId: string): StoredEvent[] {
    return (payments.db.prepare('SELECT envelope FROM event_outbox ORDER BY seq').pluck().all() as string[])
      .map((envelope) => JSON.parse(envelope) as StoredEvent)
      .filter((event) => event.data.orderId === orderId);
  }

  function chargeAs(correlationId: string, body: Record<string, unknown>) {
    return request<{ id: string }>(payments.url, 'POST', '/internal/payments', {
      token: serviceToken,
      body,
      headers: { 'x-correlation-id': correlationId },
    });
  }

  test('When a payment is captured (and the charge repeated), then one PaymentCaptured event with the request correlation ID is written', async () => {
    const body = chargeBody();

    const first = await chargeAs('charge-1', body);
    await chargeAs('charge-2', body);

    expect(first.status).toBe(201);
    expect(eventsOf(body.orderId)).toEqual([
      {
        id: expect.any(String) as unknown,
        type: 'PaymentCaptured',
        occurredAt: expect.any(String) as unknown,
        correlationId: 'charge-1',
        source: 'payment-service',
        data: {
          paymentId: first.body.id,
          orderId: body.orderId,
          customerId: body.customerId,
          amountCents: body.amountCents,
          currency: 'USD',
        },
      },
    ]);
  });

  test('When a payment is declined, then no event is written', async () => {
    const body = chargeBody({ token: 'tok_chargeDeclined' });

    const res = await charge(payments.url, body);

    expect(res.status).toBe(402);
    expect(eventsOf(body.orderId)).toEqual([]);
  });

  test('When a payment is refunded twice, then one PaymentRefunded event is written', async () => {
    const body = chargeBody();
    await chargeAs('charge', body);
    const refund = (correlationId: string) =>
      request(payments.url, 'POST', `/internal/payments/by-order/${body.orderId}/refund`, {
        token: serviceToken,
        headers: { 'x-correlation-id': correlationId },
      });

    expect((await refund('refund-1')).status).toBe(200);
    expect((await refund('refund-2')).status).toBe(200);

    expect(eventsOf(body.orderId).map((event) => [event.type, event.correlationId])).toEqual([
      ['PaymentCaptured', 'charge'],
      ['PaymentRefunded', 'refund-1'],
    ]);
  });
});
