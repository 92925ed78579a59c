import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawExchange, request, tokenFor } from '@shop/platform/tools/testing';
import {
  type RunningGateway,
  startGatewayOverStubs,
  stopGatewayAndStubs,
  type StartedStubs,
  METRICS_READER,
} from './support/gateway.js';

const customer = tokenFor({ id: 'alice', role: 'customer' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Observability through the gateway', () => {
  let stubs: StartedStubs;
  let gateway: RunningGateway;
  beforeAll(async () => ({ stubs, gateway } = await startGatewayOverStubs()));
  afterAll(() => stopGatewayAndStubs(gateway, stubs));

  const lastOrderCall = () => stubs['order-service'].callsTo('/api/orders').at(-1);

  describe('X-Correlation-ID', () => {
    test('When none is sent, then one is generated, echoed, forwarded and logged', async () => {
      const res = await request(gateway.url, 'GET', '/api/orders/o-1', { token: customer });
      const id = res.headers.get('x-correlation-id') ?? '';
      expect(id).toMatch(UUID);
      expect(lastOrderCall()?.headers['x-correlation-id']).toBe(id);
      const accessLine = gateway
        .lines()
        .find((line) => line.correlationId === id && line.message === 'GET /api/orders/:id 200');
      expect(accessLine).toBeDefined();
    });

    test('When a well-formed one is sent, then it is kept end to end', async () => {
      const id = 'client-42:retry.1_a';
      const res = await request(gateway.url, 'GET', '/api/orders/o-2', {
        token: customer,
        headers: { 'x-correlation-id': id },
      });
      expect(res.headers.get('x-correlation-id')).toBe(id);
      expect(lastOrderCall()?.headers['x-correlation-id']).toBe(id);
    });

    test.each([
      ['junk characters', 'hello world; drop table'],
      ['an encoded CRLF', 'abc%0D%0ASet-Cookie:%20x=1'],
      ['an 8 KB value', 'a'.repeat(8 * 1024)],
      ['129 characters', 'b'.repeat(129)],
    ])('When it has %s, then a new UUID replaces it everywhere', async (_, value) => {
      const res = await request(gateway.url, 'GET', '/api/orders/o-3', {
        token: customer,
        headers: { 'x-correlation-id': value },
      });
      const id = res.headers.get('x-correlation-id') ?? '';
      expect(id).toMatch(UUID);
      expect(lastOrderCall()?.headers['x-correlation-id']).toBe(id);
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    test('When it contains a raw CR/LF, then the request is refused before reaching any upstream', async () => {
      const before = stubs['order-service'].requests.length;
      const { status } = await rawExchange(
        gateway.url,
        `GET /api/orders/o-4 HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${customer}\r\n` +
          'X-Correlation-ID: abc\rSet-Cookie: x=1\r\nConnection: close\r\n\r\n',
      );
      expect(status).toBe(400);
      expect(stubs['order-service'].requests.length).toBe(before);
    });
  });

  describe('GET /metrics', () => {
    test('When 1,000 distinct order ids are requested, then the route label is the template and one series exists', async () => {
      const ids = Array.from({ length: 1000 }, (_, i) => `order-${i}`);
      for (let i = 0; i < ids.length; i += 50) {
        await Promise.all(
          ids
            .slice(i, i + 50)
            .map((id) => request(gateway.url, 'GET', `/api/orders/${id}`, { token: customer })),
        );
      }
      const metrics = await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER });
      expect(metrics.status).toBe(200);
      const text = metrics.body;
      for (const name of [
        'http_requests_total',
        'http_request_duration_seconds',
        'circuit_breaker_state',
        'circuit_breaker_events_total',
        'rate_limit_rejections_total',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
      const orderSeries = text
        .split('\n')
        .filter(
          (line) => line.startsWith('http_requests_total{') && line.includes('route="/api/orders/:id"'),
        );
      expect(orderSeries).toHaveLength(1);
      expect(orderSeries[0]).toContain('method="GET"');
      expect(orderSeries[0]).toContain('status="200"');
      expect(Number(orderSeries[0]?.split(' ').at(-1))).toBeGreaterThanOrEqual(1000);
      expect(text).not.toMatch(/order-\d+/);
    });
  });
});
