import type { ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { runWithContext } from '../../src/context/request-context.js';
import { UpstreamError } from '../../src/http-client/index.js';
import { sendJson, until, upstreamFixture } from './upstream-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('UpstreamClient.request()', () => {
  const upstream = upstreamFixture();
  const { arrange } = upstream;

  test('When the upstream answers JSON, then the body is parsed and status and headers are returned', async () => {
    const { client } = await arrange((req, res) => {
      res.setHeader('x-stock-version', '7');
      sendJson(res, 201, { path: req.url, method: req.method });
    });

    const response = await client.request<{ path: string; method: string }>({
      method: 'post',
      path: '/reservations?orderId=42',
      body: { items: [] },
    });

    expect(response).toMatchObject({
      status: 201,
      body: { path: '/reservations?orderId=42', method: 'POST' },
    });
    expect(response.headers['x-stock-version']).toBe('7');
    expect(upstream.server?.received[0]?.headers['content-type']).toBe('application/json');
  });

  test('When the upstream answers text or nothing, then the body is the text or undefined', async () => {
    const { client } = await arrange((req, res) => {
      if (req.url === '/empty') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('plain');
    });

    expect((await client.request({ method: 'GET', path: '/text' })).body).toBe('plain');
    expect((await client.request({ method: 'DELETE', path: '/empty' })).body).toBeUndefined();
  });

  test('When the upstream answers malformed JSON, then it rejects with 502 bad_gateway and an unknown outcome', async () => {
    const { client } = await arrange((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":'),
    );

    await expect(client.request({ method: 'POST', path: '/charges' })).rejects.toMatchObject({
      status: 502,
      code: 'bad_gateway',
      reason: 'bad_gateway',
      outcome: 'unknown',
    });
  });

  test('When the upstream is slower than the timeout, then it rejects with 504 upstream_timeout soon after the timeout', async () => {
    const timeoutMs = 200;
    const { client } = await arrange(
      (_req, res) => {
        setTimeout(() => sendJson(res, 200, { late: true }), 5000).unref();
      },
      { timeoutMs, retries: 0 },
    );

    const startedAt = performance.now();
    const error = await client.request({ method: 'GET', path: '/stock' }).catch((caught: unknown) => caught);
    const elapsedMs = performance.now() - startedAt;

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 504,
      code: 'upstream_timeout',
      reason: 'timeout',
      outcome: 'unknown',
    });
    // Functional bound of the timeout feature, not a benchmark: without a working deadline the call would
    // take the upstream's 5 s. The 500 ms slack absorbs a busy CI machine (2 cores running other tests).
    expect(elapsedMs).toBeLessThan(timeoutMs + 500);
  });

  test('When nothing listens on the port, then it rejects with 503 upstream_unavailable, not sent, with Retry-After', async () => {
    const subject = await upstream.arrangeUnreachable({ retries: 0 });

    const error = await subject.client
      .request({ method: 'POST', path: '/charges' })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
      reason: 'connection_refused',
      outcome: 'not_sent',
      expose: true,
      headers: { 'Retry-After': '1' },
    });
    expect((error as UpstreamError).message).not.toMatch(/127\.0\.0\.1|localhost|\d{4,5}/);
  });

  test('When maxConcurrent calls are in flight, then the next call is rejected at once with bulkhead_full without reaching the upstream', async () => {
    const held: ServerResponse[] = [];
    const { client } = await arrange((_req, res) => held.push(res), { maxConcurrent: 2 });
    const first = client.request({ method: 'GET', path: '/slow/1' });
    const second = client.request({ method: 'GET', path: '/slow/2' });
    await until(() => held.length === 2);

    const third = await client.request({ method: 'GET', path: '/slow/3' }).catch((caught: unknown) => caught);

    expect(third).toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
      reason: 'bulkhead_full',
      outcome: 'not_sent',
    });
    expect(upstream.server?.received).toHaveLength(2);
    for (const res of held) sendJson(res, 200, { ok: true });
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    upstream.server?.handle((_req, res) => sendJson(res, 200, { ok: true }));
    expect((await client.request({ method: 'GET', path: '/after' })).status).toBe(200);
  });

  describe('propagated headers', () => {
    const context = {
      correlationId: 'corr-from-context',
      authorization: 'Bearer caller-token',
      userId: 'u1',
    };

    test('When called inside a request context, then its correlation ID and bearer token are forwarded', async () => {
      const { client } = await arrange((_req, res) => sendJson(res, 200, {}));

      await runWithContext(context, () => client.request({ method: 'GET', path: '/stock' }));

      expect(upstream.server?.received[0]?.headers).toMatchObject({
        'x-correlation-id': 'corr-from-context',
        authorization: 'Bearer caller-token',
      });
    });

    test('When the caller sets its own headers, then they win over the context', async () => {
      const { client } = await arrange((_req, res) => sendJson(res, 200, {}));

      await runWithContext(context, () =>
        client.request({
          method: 'GET',
          path: '/stock',
          headers: { 'X-Correlation-ID': 'explicit-id', Authorization: 'Bearer service-token' },
        }),
      );

      expect(upstream.server?.received[0]?.headers).toMatchObject({
        'x-correlation-id': 'explicit-id',
        authorization: 'Bearer service-token',
      });
    });

    test('When called outside any context, then a new correlation ID is generated and no authorization is sent', async () => {
      const { client } = await arrange((_req, res) => sendJson(res, 200, {}));

      await client.request({ method: 'GET', path: '/stock' });

      expect(upstream.server?.received[0]?.headers['x-correlation-id']).toMatch(UUID);
      expect(upstream.server?.received[0]?.headers.authorization).toBeUndefined();
    });
  });
});
