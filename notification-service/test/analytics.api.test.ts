import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ANALYTICS_QUEUE } from '@shop/platform/contracts';
import type { DeadLetter } from '@shop/platform/runtime';
import { request, testTokens } from '@shop/platform/tools/testing';
import {
  adminToken,
  customerToken,
  event,
  orderConfirmed,
  startNotifications,
  WAIT,
  type RunningNotifications,
} from './support/notification-harness.js';

interface Summary {
  from: string;
  to: string;
  hours: {
    hour: string;
    events: Record<string, number>;
    orders: number;
    revenueCents: number;
    refundsCents: number;
  }[];
  totals: { events: Record<string, number>; orders: number; revenueCents: number; refundsCents: number };
  conversion: { checkoutsStarted: number; ordersConfirmed: number; rate: number | null };
}

const RATE_POINTS = 20;
let service: RunningNotifications;
beforeAll(async () => {
  service = await startNotifications({ env: { ANALYTICS_RATE_LIMIT_POINTS: String(RATE_POINTS) } });
});
afterAll(() => service.stop());

const gatewayTokens = testTokens();

/** Each test sends from its own client address, so the per-client budget is its own. */
function clientAddress(): string {
  return `10.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 254) + 1}`;
}

function record(body: unknown, options: { token?: string; ip?: string } = {}) {
  return request<{ accepted?: boolean; error?: { code: string; message: string; details?: unknown } }>(
    service.url,
    'POST',
    '/api/analytics/events',
    {
      body,
      ...(options.token && { token: options.token }),
      // As the gateway sends it: the client's address vouched for with the platform key.
      headers: { 'x-forwarded-client': gatewayTokens.signClientAddress(options.ip ?? clientAddress()) },
    },
  );
}

async function summary(query = ''): Promise<Summary> {
  const res = await request<Summary>(service.url, 'GET', `/api/analytics/summary${query}`, {
    token: adminToken,
  });
  expect(res.status).toBe(200);
  return res.body;
}

async function metric(name: string, label: string): Promise<number> {
  const text = (await request<string>(service.url, 'GET', '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('POST /api/analytics/events', () => {
  test('When an anonymous client and a signed-in customer record allowed events, then 202, counted per type and in the summary', async () => {
    const before = await summary();
    const viewed = await metric('analytics_events_total', 'type="product_viewed"');

    const anonymous = await record({
      type: 'product_viewed',
      properties: { product_id: 3, list: 'home', featured: true },
    });
    const signedIn = await record({ type: 'checkout_started' }, { token: customerToken(randomUUID()) });

    expect(anonymous.status).toBe(202);
    expect(anonymous.body).toEqual({ accepted: true, type: 'product_viewed' });
    expect(signedIn.status).toBe(202);
    expect(await metric('analytics_events_total', 'type="product_viewed"')).toBe(viewed + 1);
    const after = await summary();
    expect(after.totals.events.product_viewed).toBe((before.totals.events.product_viewed ?? 0) + 1);
    expect(after.conversion.checkoutsStarted).toBe(before.conversion.checkoutsStarted + 1);
  });

  test('When the event is at every bound (10 properties, 32-character keys, 64-character strings), then 202', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`${'k'.repeat(30)}_${i}`, 'red shoe '.repeat(8).slice(0, 64)]),
    );
    const before = await summary();

    const res = await record({ type: 'search', properties });

    expect(res.status).toBe(202);
    expect((await summary()).totals.events.search).toBe((before.totals.events.search ?? 0) + 1);
  });

  test('When keys only contain words of personal data inside other words (product_name, card_brand) and values hold short numbers (a date, a size), then 202', async () => {
    const res = await record({
      type: 'product_viewed',
      properties: {
        product_name: 'Desk lamp',
        card_brand: 'visa',
        list: 'home',
        named_list: 'deals',
        since: '2026-12-05',
        size: '42-44',
        discount: '50%',
        version: '2.3.1',
      },
    });
    expect(res.status).toBe(202);
  });

  // Each case names what its refusal must say, so a body refused for another reason (say, a length) fails.
  test.each([
    ['an unknown type', { type: 'mouse_moved' }, 'type'],
    ['no type', { properties: {} }, 'type'],
    ['an unknown top-level field', { type: 'search', userId: 'x' }, 'userId'],
    [
      'too many properties',
      { type: 'search', properties: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])) },
      'at most 10 properties',
    ],
    ['a nested object', { type: 'search', properties: { filter: { colour: 'red' } } }, 'filter'],
    ['an array value', { type: 'search', properties: { ids: [1, 2] } }, 'ids'],
    ['a key that is not lower_snake_case', { type: 'search', properties: { 'Bad-Key': 1 } }, 'lower-case'],
    ['a key past 32 characters', { type: 'search', properties: { ['k'.repeat(33)]: 1 } }, 'keys are 1-32'],
    ['free text past 64 characters', { type: 'search', properties: { query: 'x'.repeat(65) } }, 'at most 64'],
    ['an e-mail address', { type: 'search', properties: { query: 'ann@example.com' } }, 'e-mail address'],
    ['a bearer token', { type: 'search', properties: { note: 'Bearer abc' } }, 'looks like a token'],
    [
      'a JWT',
      { type: 'cart_updated', properties: { t: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc' } },
      'looks like a token',
    ],
    [
      'an opaque secret',
      { type: 'cart_updated', properties: { t: 'A'.repeat(40) } },
      '32+ opaque characters',
    ],
    [
      'a card number',
      { type: 'checkout_started', properties: { card: '4111 1111 1111 1111' } },
      'card, phone',
    ],
    [
      'a key that names a secret',
      { type: 'signup_started', properties: { password: 'hunter2' } },
      'key password',
    ],
    [
      'a key that names a person',
      { type: 'signup_started', properties: { first_name: 'Ada' } },
      'key first_name',
    ],
    [
      'a key that names contact data',
      { type: 'checkout_started', properties: { phone_number: 'x' } },
      'key phone_number',
    ],
    [
      'a percent-encoded e-mail address',
      { type: 'page_viewed', properties: { path: '/reset?email=ann%40example.com' } },
      'e-mail address',
    ],
    [
      'a full-width @ in an e-mail address',
      { type: 'search', properties: { query: 'ann\uff20example.com' } },
      'e-mail address',
    ],
    [
      'an e-mail address with an HTML character reference',
      { type: 'search', properties: { query: 'ann&#64;example.com' } },
      'e-mail address',
    ],
    [
      'a phone number written with dashes',
      { type: 'search', properties: { query: '415-555-0100' } },
      'card, phone',
    ],
    [
      'a phone number written with brackets',
      { type: 'search', properties: { query: '(415) 555-0100' } },
      'card, phone',
    ],
    [
      'a phone number written with dots',
      { type: 'search', properties: { query: '415.555.0100' } },
      'card, phone',
    ],
    ['a national phone number', { type: 'search', properties: { query: '07911 123456' } }, 'card, phone'],
    [
      'a key that runs e-mail into another word',
      { type: 'signup_started', properties: { emailaddress: 'x' } },
      'key emailaddress',
    ],
    ['a key that names an API key', { type: 'page_viewed', properties: { api_key: 'x' } }, 'key api_key'],
    [
      'a key that runs api and key together',
      { type: 'page_viewed', properties: { apikey: 'x' } },
      'key apikey',
    ],
    [
      'a key that names an IP address',
      { type: 'page_viewed', properties: { client_ip: 'x' } },
      'key client_ip',
    ],
    [
      'a key that names a birth date',
      { type: 'signup_started', properties: { birth_date: 'x' } },
      'key birth_date',
    ],
  ])(
    'When the event has %s, then 400 validation_failed saying why, and nothing is recorded',
    async (_case, body, why) => {
      const before = await summary();
      const res = await record(body);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error)).toContain(why);
      expect((await summary()).totals).toEqual(before.totals);
    },
  );

  test('When the body is JSON but not an object, then 400 invalid_json and nothing is recorded', async () => {
    const before = await summary();
    const res = await record('product_viewed');
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('invalid_json');
    expect((await summary()).totals).toEqual(before.totals);
  });

  test('When one client sends more than its budget, then 429 with Retry-After and nothing more is recorded; another client is unaffected', async () => {
    const ip = clientAddress();
    const rejected = await metric('rate_limit_rejections_total', 'limiter="analytics"');
    for (let i = 0; i < RATE_POINTS; i++)
      expect((await record({ type: 'page_viewed' }, { ip })).status).toBe(202);
    const before = await summary();

    const over = await record({ type: 'page_viewed' }, { ip });
    const other = await record({ type: 'page_viewed' });

    expect(over.status).toBe(429);
    expect(over.body.error?.code).toBe('rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(other.status).toBe(202);
    expect((await summary()).totals.events.page_viewed).toBe((before.totals.events.page_viewed ?? 0) + 1);
    expect(await metric('rate_limit_rejections_total', 'limiter="analytics"')).toBe(rejected + 1);
  });
});

describe('GET /api/analytics/summary', () => {
  test('When orders are confirmed and refunded on the bus, then the summary counts them per hour with revenue and the conversion', async () => {
    const before = await summary();
    await record({ type: 'checkout_started' });
    await record({ type: 'checkout_started' });
    await service.publish(orderConfirmed(randomUUID()));
    await service.publish(
      event(
        'PaymentRefunded',
        {
          paymentId: randomUUID(),
          orderId: randomUUID(),
          customerId: randomUUID(),
          amountCents: 500,
          currency: 'USD',
        },
        'payment-service',
      ),
    );

    await expect.poll(async () => (await summary()).totals.orders, WAIT).toBe(before.totals.orders + 1);
    await expect
      .poll(async () => (await summary()).totals.refundsCents, WAIT)
      .toBe(before.totals.refundsCents + 500);
    const after = await summary();
    const thisHour = after.hours.at(-1);

    expect(after.hours).toHaveLength(24);
    expect(thisHour?.hour.slice(0, 13)).toBe(new Date().toISOString().slice(0, 13));
    expect(after.totals.revenueCents).toBe(before.totals.revenueCents + 2_598);
    expect(after.totals.events.OrderConfirmed).toBe((before.totals.events.OrderConfirmed ?? 0) + 1);
    expect(after.conversion.checkoutsStarted).toBe(before.conversion.checkoutsStarted + 2);
    expect(after.conversion.rate).toBe(after.conversion.ordersConfirmed / after.conversion.checkoutsStarted);
    expect(await metric('analytics_events_total', 'type="OrderConfirmed"')).toBeGreaterThanOrEqual(1);
  });

  test('When the same bus event is delivered twice, then it is counted once', async () => {
    const confirmed = orderConfirmed(randomUUID());
    const before = await summary();
    await service.publish(confirmed);
    await service.publish(confirmed);
    await expect.poll(async () => (await summary()).totals.orders, WAIT).toBe(before.totals.orders + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await summary()).totals.orders).toBe(before.totals.orders + 1);
  });

  async function deadLetterOf(eventId: string) {
    let letter: DeadLetter | undefined;
    await vi.waitFor(async () => {
      letter = (await service.bus.transport.listDeadLetters(ANALYTICS_QUEUE)).find(
        (candidate) => candidate.eventId === eventId,
      );
      expect(letter).toBeDefined();
    }, WAIT);
    return letter;
  }

  test('When an OrderConfirmed names an order order-service does not know, then it adds nothing and is dead-lettered as unknown_aggregate', async () => {
    const before = await summary();
    const forged = orderConfirmed(randomUUID());
    await service.publish(forged, { subjectExists: false });

    expect(await deadLetterOf(forged.id)).toMatchObject({
      reason: 'unknown_aggregate',
      error: `order ${forged.data.orderId} does not exist at order-service`,
    });
    const after = await summary();
    expect(after.totals.orders).toBe(before.totals.orders);
    expect(after.totals.revenueCents).toBe(before.totals.revenueCents);
  });

  test('When a PaymentCaptured names an order that does not exist, then it counts only if payment-service confirms that capture', async () => {
    const capture = (orderId = randomUUID()) =>
      event(
        'PaymentCaptured',
        {
          paymentId: randomUUID(),
          orderId,
          customerId: randomUUID(),
          amountCents: 700,
          currency: 'USD',
        },
        'payment-service',
      );
    const before = await summary();
    // A capture that landed late (its order was never placed): payment-service has it, order-service does not.
    const late = capture();
    await service.publish(late);
    await expect
      .poll(async () => (await summary()).totals.events.PaymentCaptured ?? 0, WAIT)
      .toBe((before.totals.events.PaymentCaptured ?? 0) + 1);

    const unknown = capture();
    await service.publish(unknown, { subjectExists: false });
    const otherPayment = capture();
    service.owners.payments.payments.set(otherPayment.data.orderId, {
      id: randomUUID(),
      orderId: otherPayment.data.orderId,
      customerId: otherPayment.data.customerId,
      status: 'CAPTURED',
    });
    await service.publish(otherPayment, { subjectExists: false });
    const declined = capture();
    service.owners.payments.payments.set(declined.data.orderId, {
      id: declined.data.paymentId,
      orderId: declined.data.orderId,
      customerId: declined.data.customerId,
      status: 'DECLINED',
    });
    await service.publish(declined, { subjectExists: false });

    expect(await deadLetterOf(unknown.id)).toMatchObject({ reason: 'unknown_aggregate' });
    expect(await deadLetterOf(otherPayment.id)).toMatchObject({ reason: 'aggregate_mismatch' });
    expect(await deadLetterOf(declined.id)).toMatchObject({ reason: 'aggregate_mismatch' });
    expect(service.owners.payments.calls).toContain(`/internal/payments/by-order/${late.data.orderId}`);
    expect((await summary()).totals.events.PaymentCaptured ?? 0).toBe(
      (before.totals.events.PaymentCaptured ?? 0) + 1,
    );
  });

  test('When the caller is not an admin, then 401 or 403; a bad window is 400', async () => {
    const anonymous = await request(service.url, 'GET', '/api/analytics/summary');
    const customer = await request(service.url, 'GET', '/api/analytics/summary', {
      token: customerToken(randomUUID()),
    });
    const tooLong = await request(service.url, 'GET', '/api/analytics/summary?hours=500', {
      token: adminToken,
    });
    const week = await request<Summary>(service.url, 'GET', '/api/analytics/summary?hours=168', {
      token: adminToken,
    });

    expect(anonymous.status).toBe(401);
    expect(customer.status).toBe(403);
    expect(tooLong.status).toBe(400);
    expect(week.body.hours).toHaveLength(168);
  });
});
