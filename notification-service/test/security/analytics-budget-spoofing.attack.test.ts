import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, testTokens } from '@shop/platform/tools/testing';
import {
  adminToken,
  startNotifications,
  type RunningNotifications,
} from '../support/notification-harness.js';

const RATE_POINTS = 5;
let service: RunningNotifications;
beforeAll(async () => {
  service = await startNotifications({ env: { ANALYTICS_RATE_LIMIT_POINTS: String(RATE_POINTS) } });
});
afterAll(() => service.stop());

function record(headers: Record<string, string>) {
  return request<{ error?: { code: string } }>(service.url, 'POST', '/api/analytics/events', {
    body: { type: 'page_viewed' },
    headers,
  });
}

async function pageViews(): Promise<number> {
  const res = await request<{ totals: { events: Record<string, number> } }>(
    service.url,
    'GET',
    '/api/analytics/summary',
    { token: adminToken },
  );
  expect(res.status).toBe(200);
  return res.body.totals.events.page_viewed ?? 0;
}

describe('Attack: an anonymous client straight to notification-service claims a new address per event to dodge the ingestion budget', () => {
  test('When every event names another X-Forwarded-For, X-Real-IP and a forged X-Forwarded-Client, then they are all one client: 429 past the budget and nothing more recorded', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < RATE_POINTS + 3; attempt++) {
      const claimed = `203.0.113.${attempt + 1}`;
      const res = await record({
        'x-forwarded-for': claimed,
        'x-real-ip': claimed,
        'x-forwarded-client': `${claimed};not-a-signature`,
      });
      statuses.push(res.status);
    }
    const recorded = await pageViews();

    const over = await record({ 'x-forwarded-for': '198.18.0.1' });

    expect(statuses.slice(0, RATE_POINTS).every((status) => status === 202)).toBe(true);
    expect(statuses.slice(RATE_POINTS)).toEqual([429, 429, 429]);
    expect(over.status).toBe(429);
    expect(over.body.error?.code).toBe('rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await pageViews()).toBe(recorded);
  });

  test('When the gateway vouches for two clients (signed X-Forwarded-Client), then each has its own budget', async () => {
    const gatewayTokens = testTokens();
    const first = { 'x-forwarded-client': gatewayTokens.signClientAddress('198.51.100.7') };
    const second = { 'x-forwarded-client': gatewayTokens.signClientAddress('198.51.100.8') };
    for (let attempt = 0; attempt < RATE_POINTS; attempt++) expect((await record(first)).status).toBe(202);

    const firstOver = await record(first);
    const secondFirst = await record(second);

    expect(firstOver.status).toBe(429);
    expect(secondFirst.status).toBe(202);
  });
});
