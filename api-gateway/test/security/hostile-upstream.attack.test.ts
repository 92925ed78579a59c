import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import { startGateway, startStubs, type RunningGateway } from '../support/gateway.js';

const alice = tokenFor({ id: 'alice', role: 'customer' });

describe('Attack: a compromised or misconfigured upstream, and method overrides through the gateway', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stubs = await startStubs();
    gateway = await startGateway(stubs, { UPSTREAM_MAX_RESPONSE_BYTES: '4096' });
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  test('When an upstream sets a cookie, names its server and sends hop-by-hop headers, then the client sees none of them', async () => {
    stubs['inventory-service'].answer = {
      status: 200,
      body: { data: [] },
      headers: {
        'set-cookie': 'session=stolen; Path=/',
        server: 'internal/1.0',
        'x-powered-by': 'koa',
        'proxy-authenticate': 'Basic realm="internal"',
        // A header the Connection line names is hop-by-hop too.
        connection: 'keep-alive, x-internal-route',
        'x-internal-route': 'inventory-db-7',
        'x-request-shard': 'kept',
      },
    };
    const res = await request(gateway.url, 'GET', '/api/products');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('server')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('proxy-authenticate')).toBeNull();
    expect(res.headers.get('x-internal-route')).toBeNull();
    // End-to-end headers still pass: the drop is by name, not everything.
    expect(res.headers.get('x-request-shard')).toBe('kept');
  });

  test('When an upstream redirects to an internal host, then the Location is not relayed', async () => {
    for (const location of [
      'http://customer-service:5001/internal/customers',
      '//10.0.0.7/admin',
      'HTTPS://127.0.0.1:5002/x',
    ]) {
      stubs['customer-service'].answer = { status: 302, headers: { location } };
      const res = await fetch(`${gateway.url}/api/customers/me`, {
        headers: { authorization: `Bearer ${alice}` },
        redirect: 'manual',
      });
      expect(res.status, location).toBe(302);
      expect(res.headers.get('location'), location).toBeNull();
    }
  });

  test('When an upstream answers 201 with a relative Location, then it is relayed', async () => {
    stubs['customer-service'].answer = { status: 201, body: {}, headers: { location: '/api/customers/me' } };
    const res = await request(gateway.url, 'POST', '/auth/register', {
      body: { name: 'A', email: 'a@example.com', password: 'x' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/customers/me');
  });

  test('When an upstream declares a body larger than the cap, then 502 upstream_response_too_large', async () => {
    const body = { blob: 'x'.repeat(10_000) };
    stubs['inventory-service'].answer = {
      status: 200,
      body,
      headers: { 'content-length': String(JSON.stringify(body).length) },
    };
    const res = await request(gateway.url, 'GET', '/api/products');
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: 'upstream_response_too_large' } });
  });

  test('When an upstream streams more than the cap without a Content-Length, then the client does not get it all', async () => {
    stubs['inventory-service'].answer = {
      status: 200,
      body: { blob: 'y'.repeat(50_000) },
      headers: { 'transfer-encoding': 'chunked' },
    };
    let received = 0;
    try {
      const res = await fetch(`${gateway.url}/api/products`);
      received = (await res.arrayBuffer()).byteLength;
    } catch {
      received = -1; // the connection was cut mid-body
    }
    expect(received).toBeLessThan(50_000);
  });

  test('When a client sends method-override headers, then the upstream never sees them', async () => {
    stubs['inventory-service'].answer = { status: 200, body: { data: [] } };
    await request(gateway.url, 'GET', '/api/products', {
      headers: {
        'x-http-method-override': 'DELETE',
        'x-http-method': 'DELETE',
        'x-method-override': 'PUT',
      },
    });
    const seen = stubs['inventory-service'].callsTo('/api/products').at(-1);
    expect(seen?.method).toBe('GET');
    expect(seen?.headers['x-http-method-override']).toBeUndefined();
    expect(seen?.headers['x-http-method']).toBeUndefined();
    expect(seen?.headers['x-method-override']).toBeUndefined();
  });

  test('When a client sends its own X-Forwarded-Client, then the upstream gets the gateway’s signed one instead', async () => {
    stubs['inventory-service'].answer = { status: 200, body: { data: [] } };
    await request(gateway.url, 'GET', '/api/products', {
      headers: { 'x-forwarded-client': '1.2.3.4;forged' },
    });
    const seen = stubs['inventory-service'].callsTo('/api/products').at(-1);
    expect(seen?.headers['x-forwarded-client']).toMatch(/^127\.0\.0\.1;[A-Za-z0-9_-]{43}$/);
  });
});
