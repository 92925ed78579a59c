import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

describe('analytics routes through the gateway', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;
  beforeAll(async () => {
    stubs = await startStubs();
    stubs['notification-service'].answer = { status: 202, body: { accepted: true, type: 'search' } };
    gateway = await startGateway(stubs, { RATE_LIMIT_ANONYMOUS_POINTS: '3' });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test('When an anonymous client records an event, then it reaches notification-service with its address, and the anonymous budget limits it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await request(gateway.url, 'POST', '/api/analytics/events', { body: { type: 'search' } })).status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const forwarded = stubs['notification-service'].callsTo('/api/analytics/events');
    expect(forwarded).toHaveLength(3);
    expect(forwarded[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(JSON.parse(forwarded[0]?.body ?? '{}')).toEqual({ type: 'search' });
  });

  test('When a customer asks for the summary, then 403 at the edge; an admin reaches the service', async () => {
    const before = stubs['notification-service'].callsTo('/api/analytics/summary').length;
    const customer = await request(gateway.url, 'GET', '/api/analytics/summary', {
      token: tokenFor({ id: 'c-1', role: 'customer' }),
    });
    stubs['notification-service'].answer = { status: 200, body: { hours: [] } };
    const admin = await request(gateway.url, 'GET', '/api/analytics/summary?hours=2', {
      token: tokenFor({ id: 'a-1', role: 'admin' }),
    });
    expect(customer.status).toBe(403);
    expect(admin.status).toBe(200);
    expect(stubs['notification-service'].callsTo('/api/analytics/summary')).toHaveLength(before + 1);
  });
});
