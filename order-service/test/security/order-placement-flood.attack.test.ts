import { afterEach, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { KEYBOARD, startScenario, type Scenario } from '../support/scenario.js';

/** order-service's own defaults, as an attacker meets them (the harness raises them for other tests). */
const DEFAULT_LIMITS = {
  ORDER_PLACEMENT_POINTS: '10',
  ORDER_PLACEMENT_DURATION_SECONDS: '60',
  ORDER_MAX_QUANTITY_PER_PRODUCT: '20',
  ORDER_MAX_QUANTITY_PER_ORDER: '50',
};

interface ErrorBody {
  error?: { code?: string; details?: unknown };
}

describe('Attack: one customer floods order placement (OWASP API6:2023), straight to order-service', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  test('When one customer places 30 orders of one item at once, then 10 are taken and 20 answer 429 order_rate_limited with Retry-After, reserving nothing', async () => {
    s = await startScenario({ env: DEFAULT_LIMITS });
    const mallory = tokenFor({ id: 'mallory', role: 'customer' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        request<ErrorBody>(s!.orders.url, 'POST', '/api/orders', {
          token: mallory,
          body: { items: [{ productId: KEYBOARD.id, quantity: 1 }] },
        }),
      ),
    );
    const refused = answers.filter((res) => res.status === 429);
    expect(refused).toHaveLength(20);
    for (const res of refused) {
      expect(res.body.error?.code).toBe('order_rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // The other 10 went on to the saga (placed, or refused by it on a busy machine: never by the budget).
    const taken = answers.filter((res) => res.status !== 429);
    expect(taken).toHaveLength(10);
    for (const res of taken) expect(res.body.error?.code).not.toBe('order_rate_limited');
    expect(s.inventory.callsTo('POST', /\/internal\/reservations$/).length).toBeGreaterThan(0);
    expect(s.inventory.callsTo('POST', /\/internal\/reservations$/).length).toBeLessThanOrEqual(10);

    // Another customer has a budget of their own.
    const other = await request(s.orders.url, 'POST', '/api/orders', {
      token: tokenFor({ id: 'bob', role: 'customer' }),
      body: { items: [{ productId: KEYBOARD.id, quantity: 1 }] },
    });
    expect(other.status).not.toBe(429);
  });

  test('When one order asks for more units of a product than the cap, then 422 quantity_limit_exceeded and nothing is reserved', async () => {
    s = await startScenario({ env: DEFAULT_LIMITS });
    const res = await request<ErrorBody>(s.orders.url, 'POST', '/api/orders', {
      token: tokenFor({ id: 'hoarder', role: 'customer' }),
      body: { items: [{ productId: KEYBOARD.id, quantity: 21 }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe('quantity_limit_exceeded');
    expect(s.inventory.callsTo('POST', /reservations/)).toHaveLength(0);
  });

  test('When the lines of one order add up past the per-order cap, then 422 quantity_limit_exceeded', async () => {
    s = await startScenario({ env: { ...DEFAULT_LIMITS, ORDER_MAX_QUANTITY_PER_ORDER: '30' } });
    const res = await request<ErrorBody>(s.orders.url, 'POST', '/api/orders', {
      token: tokenFor({ id: 'hoarder', role: 'customer' }),
      body: {
        items: [
          { productId: KEYBOARD.id, quantity: 20 },
          { productId: 2, quantity: 15 },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe('quantity_limit_exceeded');
  });
});
