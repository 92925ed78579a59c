import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { forgedAuthorizations } from './support/forged-tokens.js';
import { startGateway, startStubs, type RunningGateway } from './support/gateway.js';

const customer = tokenFor({ id: 'alice', role: 'customer' });
const admin = tokenFor({ id: 'root', role: 'admin' });

describe('Authentication and permissions at the edge', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, { CHAOS_ENABLED: 'true' });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  describe('GET /api/customers/me with a forged or broken token', () => {
    test.each(forgedAuthorizations())(
      'When the token is %s, then 401 and the upstream is not called',
      async (_, authorization) => {
        const before = stubs['customer-service'].requests.length;
        const res = await request(gateway.url, 'GET', '/api/customers/me', { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
        expect(stubs['customer-service'].requests.length).toBe(before);
      },
    );
  });

  test('When a genuine customer token is sent, then the request reaches customer-service with it', async () => {
    const res = await request(gateway.url, 'GET', '/api/customers/me', { token: customer });
    expect(res.status).toBe(200);
    const received = stubs['customer-service'].callsTo('/api/customers/me').at(-1);
    expect(received?.headers.authorization).toBe(`Bearer ${customer}`);
  });

  describe('Routes the caller may not use', () => {
    test.each([
      ['POST', '/api/products', 'inventory-service'],
      ['PUT', '/api/products/3', 'inventory-service'],
      ['PATCH', '/api/products/3/stock', 'inventory-service'],
      ['GET', '/api/customers', 'customer-service'],
      ['PATCH', '/api/customers/bob/role', 'customer-service'],
      ['POST', '/api/payments/p1/refund', 'payment-service'],
      ['PATCH', '/api/shipments/s1', 'shipping-service'],
      ['POST', '/admin/chaos/inventory-service', 'inventory-service'],
    ] as const)(
      'When a customer calls the admin route %s %s, then 403 and %s is not called',
      async (method, path, upstream) => {
        const before = stubs[upstream].requests.length;
        const res = await request(
          gateway.url,
          method,
          path,
          method === 'GET' ? { token: customer } : { token: customer, body: { any: 'thing' } },
        );
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
        expect(stubs[upstream].requests.length).toBe(before);
      },
    );

    test.each([
      ['GET', '/api/orders'],
      ['POST', '/api/orders'],
      ['GET', '/api/customers/me'],
      ['GET', '/api/payments?orderId=1'],
      ['GET', '/api/notifications'],
    ] as const)('When anonymous calls %s %s, then 401 with WWW-Authenticate', async (method, path) => {
      const res = await request(gateway.url, method, path, method === 'POST' ? { body: { items: [] } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    test('When anonymous lists products, then it is forwarded (the catalog is public)', async () => {
      const res = await request(gateway.url, 'GET', '/api/products?page=2&q=mug');
      expect(res.status).toBe(200);
      expect(stubs['inventory-service'].callsTo('/api/products').at(-1)?.url).toBe(
        '/api/products?page=2&q=mug',
      );
    });

    test('When an admin creates a product, then it is forwarded with the body', async () => {
      const res = await request(gateway.url, 'POST', '/api/products', {
        token: admin,
        body: { name: 'Mug', priceCents: 900 },
      });
      expect(res.status).toBe(200);
      const received = stubs['inventory-service'].callsTo('/api/products').at(-1);
      expect(received?.method).toBe('POST');
      expect(JSON.parse(received?.body ?? '')).toEqual({ name: 'Mug', priceCents: 900 });
    });
  });

  describe('Client-supplied identity headers', () => {
    const claims = {
      'X-User-Role': 'admin',
      'X-User-Id': 'root',
      'X-Forwarded-User': 'root',
      'X-Service-Token': 'let-me-in',
      'X-Authenticated-User': 'root',
      'X-Roles': 'admin',
    };

    test('When anonymous sends X-User-Role: admin to an admin route, then it is still 401', async () => {
      const res = await request(gateway.url, 'POST', '/api/products', {
        headers: claims,
        body: { name: 'x' },
      });
      expect(res.status).toBe(401);
    });

    test('When a customer sends X-User-Role: admin to an admin route, then it is still 403', async () => {
      const res = await request(gateway.url, 'GET', '/api/customers', { token: customer, headers: claims });
      expect(res.status).toBe(403);
    });

    test('When a request carries identity headers, then none of them reaches the upstream', async () => {
      const res = await request(gateway.url, 'GET', '/api/customers/me', {
        token: customer,
        headers: { ...claims, 'X-Request-Note': 'kept' },
      });
      expect(res.status).toBe(200);
      const received = stubs['customer-service'].callsTo('/api/customers/me').at(-1);
      for (const name of Object.keys(claims))
        expect(received?.headers).not.toHaveProperty(name.toLowerCase());
      expect(received?.headers['x-request-note']).toBe('kept');
      expect(received?.headers['x-forwarded-for']).toBe('127.0.0.1');
    });
  });

  describe('/admin/chaos/:service', () => {
    test('When an admin posts a fault for inventory, then inventory-service gets it on /chaos', async () => {
      const res = await request(gateway.url, 'POST', '/admin/chaos/inventory', {
        token: admin,
        body: { errorRate: 0.5, durationMs: 1000 },
      });
      expect(res.status).toBe(200);
      const received = stubs['inventory-service'].callsTo('/chaos').at(-1);
      expect(received?.method).toBe('POST');
      expect(JSON.parse(received?.body ?? '')).toEqual({ errorRate: 0.5, durationMs: 1000 });
    });

    test('When the service is unknown, then 404', async () => {
      const res = await request(gateway.url, 'DELETE', '/admin/chaos/mainframe', { token: admin });
      expect(res.status).toBe(404);
    });
  });
});

describe('/admin/chaos/:service without CHAOS_ENABLED', () => {
  test('When chaos is disabled, then the route does not exist', async () => {
    const stubs = await startStubs();
    const gateway = await startGateway(stubs);
    try {
      const res = await request(gateway.url, 'POST', '/admin/chaos/inventory', { token: admin, body: {} });
      expect(res.status).toBe(404);
      expect(stubs['inventory-service'].requests).toHaveLength(0);
    } finally {
      await gateway.stop();
      await stubs.closeAll();
    }
  });
});
