import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { ROUTES, UPSTREAMS } from '../src/routing/route-table.js';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

interface PlatformHealth {
  status: string;
  services: Record<string, { status: string; checks?: unknown }>;
  breakers: Record<string, Record<string, string>>;
}

/** The route classes the route table sends to `upstream` (chaos routes use `control`, which has no breaker). */
function routeClassesOf(upstream: string): string[] {
  const classes = ROUTES.filter((route) => route.upstream === upstream).map((route) => route.routeClass);
  return [...new Set(classes)].sort();
}

const admin = tokenFor({ id: 'root', role: 'admin' });
/** The aggregate is reused for a second: a change is seen by the next refresh. */
const nextRefresh = () => sleep(1_100);

describe('GET /health (the detailed view, as an admin)', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, { HEALTH_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test('When every service is ready, then 200 with each service’s readiness and each breaker closed', async () => {
    const res = await request<PlatformHealth>(gateway.url, 'GET', '/health', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(Object.keys(res.body.services).sort()).toEqual([...UPSTREAMS].sort());
    for (const name of UPSTREAMS) {
      expect(res.body.services[name]).toEqual({ status: 'ready', checks: { db: { ok: true } } });
      const breakers = res.body.breakers[name] ?? {};
      expect(Object.keys(breakers).sort(), name).toEqual(routeClassesOf(name));
      for (const state of Object.values(breakers)) expect(state).toBe('closed');
    }
    expect(res.body.breakers['order-service']).toEqual({ read: 'closed', write: 'closed' });
  });

  test('When one service is not ready and one is too slow to answer, then 503 naming both', async () => {
    stubs['payment-service'].ready = false;
    stubs['shipping-service'].readyDelayMs = 2000;
    try {
      await nextRefresh();
      const res = await request<PlatformHealth>(gateway.url, 'GET', '/health', { token: admin });
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('degraded');
      expect(res.body.services['payment-service']).toMatchObject({
        status: 'not_ready',
        checks: { db: { ok: false } },
      });
      expect(res.body.services['shipping-service']).toEqual({ status: 'timeout' });
      expect(res.body.services['order-service']?.status).toBe('ready');
    } finally {
      stubs['payment-service'].ready = true;
      stubs['shipping-service'].readyDelayMs = 0;
    }
    await nextRefresh();
  });

  test('When one service is down, then 503 with it unreachable and the others ready', async () => {
    await stubs['notification-service'].close();
    await nextRefresh();
    const res = await request<PlatformHealth>(gateway.url, 'GET', '/health', { token: admin });
    expect(res.status).toBe(503);
    expect(res.body.services['notification-service']).toEqual({ status: 'unreachable' });
    expect(res.body.services['customer-service']?.status).toBe('ready');
    expect(res.body.breakers['notification-service']).toEqual({ read: 'closed', write: 'closed' });
  });

  test('When the gateway itself is asked, then /health/live and /health/ready answer for the gateway alone', async () => {
    const live = await request(gateway.url, 'GET', '/health/live');
    expect(live.status).toBe(200);
    const ready = await request<{ status: string; checks: Record<string, { ok: boolean; detail?: string }> }>(
      gateway.url,
      'GET',
      '/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.checks.rateLimitStore).toEqual({ ok: true, detail: 'memory (per instance)' });
  });
});
