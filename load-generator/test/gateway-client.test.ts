import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GatewayClient, outcomeKey } from '../src/gateway-client.js';

// A real HTTP server answering the way the gateway does: RateLimit-* headers, X-Correlation-ID, the
// platform's error body.
let server: Server;
let baseUrl: string;
const seen: { method: string; url: string; authorization?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.setHeader('x-correlation-id', 'c0ffee00-1111-4000-8000-000000000001');
      if (req.url === '/limited') {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': '17',
          'ratelimit-limit': '30',
          'ratelimit-remaining': '0',
          'ratelimit-reset': '17',
        });
        res.end(
          JSON.stringify({
            error: { code: 'rate_limited', message: 'Too many requests', correlationId: 'x' },
          }),
        );
        return;
      }
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        'ratelimit-limit': '600',
        'ratelimit-remaining': '599',
        'ratelimit-reset': '60',
      });
      res.end(JSON.stringify({ id: 'order-1', echo: body === '' ? null : (JSON.parse(body) as unknown) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('GatewayClient', () => {
  test('When a JSON call succeeds, then the reply has the status, parsed body, correlation ID and quota', async () => {
    const client = new GatewayClient(baseUrl, { connections: 2 });
    const reply = await client.call('POST', '/api/orders', { token: 'tok', body: { items: [] } });
    await client.close();

    expect(reply).toMatchObject({
      status: 201,
      body: { id: 'order-1', echo: { items: [] } },
      correlationId: 'c0ffee00-1111-4000-8000-000000000001',
      quota: { limit: 600, remaining: 599, resetSeconds: 60 },
      errorCode: undefined,
      transportError: undefined,
    });
    expect(reply.ms).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/orders', authorization: 'Bearer tok' });
    expect(outcomeKey(reply)).toBe('201');
  });

  test('When the answer is a platform error, then its code and Retry-After are read', async () => {
    const client = new GatewayClient(baseUrl, { connections: 1 });
    const reply = await client.call('POST', '/limited', { body: {} });
    await client.close();

    expect(reply.errorCode).toBe('rate_limited');
    expect(reply.retryAfterSeconds).toBe(17);
    expect(reply.quota).toEqual({ limit: 30, remaining: 0, resetSeconds: 17 });
    expect(outcomeKey(reply)).toBe('429 rate_limited');
  });

  test('When nothing listens at the address, then the reply says so instead of throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new GatewayClient(`http://127.0.0.1:${port}`, { connections: 1 });
    const reply = await client.call('GET', '/');
    await client.close();

    expect(reply.status).toBe(0);
    expect(reply.transportError).toBe('ECONNREFUSED');
    expect(outcomeKey(reply)).toBe('ECONNREFUSED');
  });
});
