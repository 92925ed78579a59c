import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import {
  startGateway,
  startStubs,
  type RunningGateway,
  startGatewayOverStubs,
  stopGatewayAndStubs,
  type StartedStubs,
} from '../support/gateway.js';

const serviceToken = tokenFor({ id: 'service:prometheus', role: 'service' });
const adminToken = tokenFor({ id: 'root', role: 'admin' });
const customerToken = tokenFor({ id: 'alice', role: 'customer' });

describe('Attack: reading /metrics and the topology from the public port', () => {
  let stubs: StartedStubs;
  let gateway: RunningGateway;
  beforeAll(async () => ({ stubs, gateway } = await startGatewayOverStubs()));
  afterAll(() => stopGatewayAndStubs(gateway, stubs));

  test('When /metrics is asked anonymously or with a customer token, then 401 and no metric is shown', async () => {
    for (const token of [undefined, customerToken]) {
      const res = await request<string>(gateway.url, 'GET', '/metrics', token === undefined ? {} : { token });
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain('http_requests_total');
    }
  });

  test('When /metrics is asked with a service token, then the metrics are served', async () => {
    const res = await request<string>(gateway.url, 'GET', '/metrics', { token: serviceToken });
    expect(res.status).toBe(200);
    expect(res.body).toContain('http_requests_total');
  });

  test('When /health is asked anonymously or as a customer, then only {status} comes back, with X-Correlation-ID', async () => {
    for (const token of [undefined, customerToken]) {
      const res = await request(gateway.url, 'GET', '/health', token === undefined ? {} : { token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  test('When an admin asks /health, then the services and breakers are shown; a sent correlation ID is echoed', async () => {
    const res = await request<{ services: Record<string, unknown>; breakers: Record<string, unknown> }>(
      gateway.url,
      'GET',
      '/health',
      { token: adminToken, headers: { 'x-correlation-id': 'health-check-123' } },
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.services)).toContain('order-service');
    expect(Object.keys(res.body.breakers)).toContain('order-service');
    expect(res.headers.get('x-correlation-id')).toBe('health-check-123');
  });

  test('When 50 anonymous /health requests arrive at once, then each service is probed at most twice (one aggregate a second)', async () => {
    const before = stubs['inventory-service'].readinessProbes;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => request(gateway.url, 'GET', '/health')),
    );
    expect(answers.every((res) => res.status === 200)).toBe(true);
    expect(stubs['inventory-service'].readinessProbes - before).toBeLessThanOrEqual(2);
  });
});

describe('Attack: /metrics when METRICS_PORT moves it to an internal port', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, { METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test('When /metrics is asked on the public port, even with a service token, then 404', async () => {
    const res = await request(gateway.url, 'GET', '/metrics', { token: serviceToken });
    expect(res.status).toBe(404);
  });

  test('When Prometheus scrapes the metrics port, then it gets the metrics, and nothing else is served there', async () => {
    expect(gateway.metricsPort).toBeGreaterThan(0);
    const metricsUrl = `http://127.0.0.1:${gateway.metricsPort}`;
    const scrape = await fetch(`${metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('http_requests_total');
    const other = await fetch(`${metricsUrl}/api/products`);
    expect(other.status).toBe(404);
    expect(stubs['inventory-service'].requests).toHaveLength(0);
  });
});
