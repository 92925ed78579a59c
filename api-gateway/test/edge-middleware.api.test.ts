import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { startGateway, startStubs, type RunningGateway, METRICS_READER } from './support/gateway.js';

const ORIGIN = 'https://shop.example.com';

describe('The edge middleware (security headers, CORS, aggregate /health) run inside the shared chain', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, { HEALTH_TIMEOUT_MS: '300', CORS_ORIGINS: ORIGIN });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test('When /health is asked with a correlation ID, then the answer carries it and the request is counted', async () => {
    const health = await request(gateway.url, 'GET', '/health', {
      headers: { 'x-correlation-id': 'edge-health-1' },
    });
    expect(health.headers.get('x-correlation-id')).toBe('edge-health-1');
    const metrics = await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER });
    expect(metrics.body).toMatch(/http_requests_total\{[^}]*route="\/health"/);
  });

  test('When a browser sends a CORS preflight, then it is answered with a correlation ID, counted and logged', async () => {
    const preflight = await request(gateway.url, 'OPTIONS', '/api/products', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'x-correlation-id': 'edge-preflight-1',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('x-correlation-id')).toBe('edge-preflight-1');
    const metrics = await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER });
    expect(metrics.body).toMatch(/http_requests_total\{[^}]*method="OPTIONS"/);
    expect(gateway.lines().some((line) => line.correlationId === 'edge-preflight-1')).toBe(true);
  });
});
