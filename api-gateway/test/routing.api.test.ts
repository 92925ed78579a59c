import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { rawGet } from './support/raw-request.js';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

const customer = tokenFor({ id: 'alice', role: 'customer' });

describe('Routing table', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, {
      BODY_LIMIT_BYTES: '1024',
      CORS_ORIGINS: 'https://shop.example, https://admin.example',
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test.each([
    ['/auth/login', 'POST', 'customer-service'],
    ['/auth/register', 'POST', 'customer-service'],
    ['/api/customers/me', 'GET', 'customer-service'],
    ['/api/products/7', 'GET', 'inventory-service'],
    ['/api/orders/42/cancel', 'POST', 'order-service'],
    ['/api/payments?orderId=42', 'GET', 'payment-service'],
    ['/api/shipments?orderId=42', 'GET', 'shipping-service'],
    ['/api/shipments/7e1c2d4a-0b1f-4c7e-9a55-3f2b8c0e9a11', 'GET', 'shipping-service'],
    ['/api/notifications', 'GET', 'notification-service'],
    ['/api/notifications/7e1c2d4a-0b1f-4c7e-9a55-3f2b8c0e9a11', 'GET', 'notification-service'],
  ] as const)(
    'When %s is called with %s, then %s receives the same path and query',
    async (path, method, upstream) => {
      const res = await request(
        gateway.url,
        method,
        path,
        method === 'GET' ? { token: customer } : { token: customer, body: { email: 'a@b.c' } },
      );
      expect(res.status).toBe(200);
      expect(stubs[upstream].requests.at(-1)).toMatchObject({ method, url: path });
    },
  );

  test('When HEAD is sent to a GET route, then it is forwarded as HEAD and answered without a body', async () => {
    const res = await fetch(`${gateway.url}/api/products/7`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(stubs['inventory-service'].requests.at(-1)).toMatchObject({
      method: 'HEAD',
      url: '/api/products/7',
    });
  });

  test('When the upstream answers 204, then the client gets 204 with no body', async () => {
    const stub = stubs['shipping-service'];
    stub.answer = { status: 204 };
    try {
      const res = await fetch(`${gateway.url}/api/shipments/s1`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${tokenFor({ id: 'root', role: 'admin' })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ status: 'IN_TRANSIT' }),
      });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(JSON.parse(stub.requests.at(-1)?.body ?? '')).toEqual({ status: 'IN_TRANSIT' });
    } finally {
      stub.answer = { status: 200, body: { ok: true } };
    }
  });

  test('When the route is unknown, then 404 JSON with a correlation ID', async () => {
    const res = await request<{ error: { code: string; correlationId: string } }>(
      gateway.url,
      'GET',
      '/api/unknown',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.error.correlationId).toBe(res.headers.get('x-correlation-id'));
  });

  test.each([
    '/internal/reservations',
    '/internal/payments/by-order/1',
    '/api/orders/1/../../internal/payments',
    '/api/orders/..',
    '/api/orders/%2e%2e',
    '/api/orders/..%2Finternal',
  ])('When %s is asked for, then 404 and no upstream sees it', async (path) => {
    const before = stubs['order-service'].requests.length + stubs['inventory-service'].requests.length;
    const res = await rawGet(gateway.url, path, { authorization: `Bearer ${customer}` });
    expect(res.status).toBe(404);
    expect(stubs['order-service'].requests.length + stubs['inventory-service'].requests.length).toBe(before);
  });

  test('When a known path is called with another method, then 405 with Allow', async () => {
    const res = await request(gateway.url, 'DELETE', '/api/orders', { token: customer });
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ error: { code: 'method_not_allowed' } });
    const allow = (res.headers.get('allow') ?? '').split(/,\s*/).sort();
    expect(allow).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(allow).not.toContain('DELETE');
  });

  test('When the body is not JSON, then 415 and the upstream is not called', async () => {
    const before = stubs['order-service'].requests.length;
    const res = await request(gateway.url, 'POST', '/api/orders', {
      token: customer,
      body: 'product_id=1&quantity=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(stubs['order-service'].requests.length).toBe(before);
  });

  test('When the body is larger than BODY_LIMIT_BYTES, then 413 and the upstream is not called', async () => {
    const before = stubs['order-service'].requests.length;
    const res = await request(gateway.url, 'POST', '/api/orders', {
      token: customer,
      body: { note: 'x'.repeat(2048) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(stubs['order-service'].requests.length).toBe(before);
  });

  test('When the JSON is malformed, then 400 and the upstream is not called', async () => {
    const before = stubs['order-service'].requests.length;
    const res = await request(gateway.url, 'POST', '/api/orders', { token: customer, body: '{"items": [' });
    expect(res.status).toBe(400);
    expect(stubs['order-service'].requests.length).toBe(before);
  });

  test('When the upstream answers 404 or 409, then status and body pass through unchanged', async () => {
    const stub = stubs['order-service'];
    stub.answer = { status: 409, body: { error: { code: 'out_of_stock', message: 'Out of stock' } } };
    try {
      const res = await request(gateway.url, 'POST', '/api/orders', {
        token: customer,
        body: { product_id: 1, quantity: 1 },
      });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: { code: 'out_of_stock', message: 'Out of stock' } });
    } finally {
      stub.answer = { status: 200, body: { ok: true } };
    }
  });

  test('When the upstream sends Cache-Control and X-Powered-By, then the first is kept and the second dropped', async () => {
    const stub = stubs['customer-service'];
    stub.answer = {
      status: 200,
      body: { accessToken: 'x' },
      headers: { 'cache-control': 'no-store', 'x-powered-by': 'Express' },
    };
    try {
      const res = await request(gateway.url, 'POST', '/auth/login', {
        body: { email: 'a@b.c', password: 'pw' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-powered-by')).toBeNull();
    } finally {
      stub.answer = { status: 200, body: { ok: true } };
    }
  });

  test('When any response is sent, then it carries the security headers and no HSTS outside production', async () => {
    for (const path of ['/api/products', '/nowhere']) {
      const res = await request(gateway.url, 'GET', path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  describe('CORS', () => {
    test('When the origin is allowlisted, then it is allowed and the gateway headers are exposed', async () => {
      const res = await request(gateway.url, 'GET', '/api/products', {
        headers: { origin: 'https://shop.example' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(res.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    });

    test('When the origin is not allowlisted, then no CORS header is sent', async () => {
      const res = await request(gateway.url, 'GET', '/api/products', {
        headers: { origin: 'https://evil.example' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    test('When an allowlisted origin sends a preflight, then 204 with the allowed methods and headers', async () => {
      const res = await request(gateway.url, 'OPTIONS', '/api/orders', {
        headers: {
          origin: 'https://admin.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    });
  });
});

describe('Security headers in production', () => {
  test('When NODE_ENV=production, then Strict-Transport-Security is sent', async () => {
    const stubs = await startStubs();
    const gateway = await startGateway(stubs, { NODE_ENV: 'production' });
    try {
      const res = await request(gateway.url, 'GET', '/api/products');
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await gateway.stop();
      await stubs.closeAll();
    }
  });
});
