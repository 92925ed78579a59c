import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Router } from '@koa/router';
import {
  abilityOf,
  createMetricsRegistry,
  createService,
  notFound,
  requireUser,
  startServer,
  type RunningServer,
} from '../src/runtime/index.js';
import { subject } from '../src/contracts/index.js';
import { captureLogger, request, testTokens, tokenFor } from '../src/testing/index.js';

describe('createService', () => {
  const { logger, lines } = captureLogger('demo-service');
  const registry = createMetricsRegistry('demo-service', { collectDefault: false });
  let server: RunningServer;
  const orders = new Map([['o1', { id: 'o1', customerId: 'alice' }]]);

  beforeAll(async () => {
    const router = new Router();
    router.get('/api/orders/:id', (ctx) => {
      requireUser(ctx);
      const order = orders.get(ctx.params.id ?? '');
      if (!order || !abilityOf(ctx).can('read', subject('Order', order))) throw notFound('Order');
      ctx.body = order;
    });
    router.post('/api/echo', (ctx) => {
      ctx.body = { received: ctx.request.body ?? null };
    });
    router.get('/internal/revocations', (ctx) => {
      if (ctx.query.fail === '1') throw new Error('feed broken');
      ctx.body = { revocations: [] };
    });
    router.get('/boom', () => {
      throw new Error('secret database detail');
    });
    const service = createService({
      name: 'demo-service',
      logger,
      registry,
      tokens: testTokens(),
      routers: [router],
    });
    server = await startServer({ service, port: 0, host: '127.0.0.1', logger });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('When the owner reads their order, then 200 and the row', async () => {
    const res = await request(server.url, 'GET', '/api/orders/o1', {
      token: tokenFor({ id: 'alice', role: 'customer' }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'o1', customerId: 'alice' });
  });

  test('When another customer reads the order, then 404 (ownership is checked on the row)', async () => {
    const res = await request(server.url, 'GET', '/api/orders/o1', {
      token: tokenFor({ id: 'bob', role: 'customer' }),
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });

  test('When anonymous, then 401 with WWW-Authenticate', async () => {
    const res = await request(server.url, 'GET', '/api/orders/o1');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('When a handler throws, then 500 without internals, and the log has the error with the correlation ID', async () => {
    const res = await request<{ error: { message: string; correlationId: string } }>(
      server.url,
      'GET',
      '/boom',
      {
        headers: { 'x-correlation-id': 'corr-boom-1' },
      },
    );
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe('Internal server error');
    expect(JSON.stringify(res.body)).not.toContain('secret database detail');
    expect(res.body.error.correlationId).toBe('corr-boom-1');
    const errorLine = lines().find((line) => line.message === 'request failed');
    expect(errorLine?.correlationId).toBe('corr-boom-1');
  });

  test('When the body is not JSON, then 415; malformed JSON 400; wrong method 405 with Allow', async () => {
    const text = await request(server.url, 'POST', '/api/echo', {
      body: 'a=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const bad = await request(server.url, 'POST', '/api/echo', { body: '{"a":' });
    expect(bad.status).toBe(400);
    const wrong = await request(server.url, 'DELETE', '/api/echo');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
  });

  test('When a body exceeds the limit, then 413', async () => {
    const res = await request(server.url, 'POST', '/api/echo', { body: { big: 'x'.repeat(200 * 1024) } });
    expect(res.status).toBe(413);
  });

  test('When requests hit many ids, then metrics use the route template', async () => {
    const token = tokenFor({ id: 'alice', role: 'customer' });
    for (let i = 0; i < 20; i++) await request(server.url, 'GET', `/api/orders/x${i}`, { token });
    const text = (await request<string>(server.url, 'GET', '/metrics')).body;
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/orders/:id",status="404",service="demo-service"}',
    );
    expect(text).not.toContain('/api/orders/x1');
  });

  test('When the revocation feed is polled, then no access log line (a 5xx is still logged), while other requests are', async () => {
    // An access line's message is `<method> <route> <status>`.
    const accessLines = (methodAndRoute: string) =>
      lines().filter((line) => String(line.message).startsWith(`${methodAndRoute} `));
    for (let i = 0; i < 3; i++)
      expect((await request(server.url, 'GET', '/internal/revocations')).status).toBe(200);
    expect(accessLines('GET /internal/revocations')).toHaveLength(0);
    expect((await request(server.url, 'GET', '/internal/revocations?fail=1')).status).toBe(500);
    expect(accessLines('GET /internal/revocations')).toHaveLength(1);
    await request(server.url, 'POST', '/api/echo', { body: {} });
    expect(accessLines('POST /api/echo')).toHaveLength(1);
  });
});
