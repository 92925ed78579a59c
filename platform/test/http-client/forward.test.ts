import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { runWithContext } from '../../src/context/request-context.js';
import { sendJson, upstreamFixture, type Handler } from './upstream-server.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Echoes the request body back, streaming, with headers sent before the body is read. */
const echo: Handler = (req, res) => {
  res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-upstream': 'echo' });
  res.flushHeaders();
  req.pipe(res);
};

describe('UpstreamClient.forward()', () => {
  const upstream = upstreamFixture();
  const { arrange } = upstream;

  test('When a large body is forwarded, then it streams both ways and arrives intact', async () => {
    const { client } = await arrange(echo);
    const payload = randomBytes(8 * 1024 * 1024);
    const requestBody = new PassThrough();
    requestBody.write(payload.subarray(0, 64 * 1024));

    // Resolves while the request body is still open: neither direction is buffered whole.
    const response = await client.forward({
      method: 'POST',
      path: '/upload',
      headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' },
      body: requestBody,
    });
    const received = readAll(response.body);
    requestBody.end(payload.subarray(64 * 1024));

    expect(response.status).toBe(201);
    expect(response.headers['x-upstream']).toBe('echo');
    const echoed = await received;
    expect(echoed.length).toBe(payload.length);
    expect(sha256(echoed)).toBe(sha256(payload));
  });

  test('When headers are forwarded, then hop-by-hop headers are stripped both ways and the rest pass as is', async () => {
    const { client } = await arrange((_req, res) => {
      res.writeHead(418, {
        'x-upstream': 'yes',
        'set-cookie': ['a=1', 'b=2'],
        connection: 'keep-alive, x-upstream-hop',
        'x-upstream-hop': 'drop me',
        'content-type': 'text/plain',
      });
      res.end('teapot');
    });

    const response = await client.forward({
      method: 'GET',
      path: '/products?q=tea',
      headers: {
        host: 'shop.example.com',
        connection: 'keep-alive, x-client-hop',
        'keep-alive': 'timeout=5',
        'x-client-hop': 'drop me',
        'proxy-authorization': 'Basic c2VjcmV0',
        te: 'trailers',
        upgrade: 'h2c',
        accept: 'text/plain',
        'x-custom': 'kept',
      },
    });

    const sent = upstream.server?.received[0];
    expect(sent?.url).toBe('/products?q=tea');
    expect(sent?.headers).toMatchObject({ accept: 'text/plain', 'x-custom': 'kept' });
    expect(sent?.headers.host).toBe(new URL(upstream.server?.url ?? '').host);
    for (const name of ['x-client-hop', 'proxy-authorization', 'te', 'upgrade']) {
      expect(sent?.headers[name]).toBeUndefined();
    }
    expect(response.status).toBe(418);
    expect(response.headers).toMatchObject({ 'x-upstream': 'yes', 'set-cookie': ['a=1', 'b=2'] });
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'x-upstream-hop']) {
      expect(response.headers[name]).toBeUndefined();
    }
    expect((await readAll(response.body)).toString()).toBe('teapot');
  });

  test('When forwarding inside a request context, then its correlation ID replaces the incoming one and its token is added', async () => {
    const { client } = await arrange((_req, res) => res.writeHead(204).end());

    const response = await runWithContext(
      { correlationId: 'gateway-corr-1', authorization: 'Bearer from-context' },
      () => client.forward({ method: 'GET', path: '/me', headers: { 'x-correlation-id': 'junk\r\nvalue' } }),
    );
    await readAll(response.body);

    expect(upstream.server?.received[0]?.headers).toMatchObject({
      'x-correlation-id': 'gateway-corr-1',
      authorization: 'Bearer from-context',
    });
  });

  test('When the client sent its own Authorization header, then it passes through unchanged', async () => {
    const { client } = await arrange((_req, res) => res.writeHead(204).end());

    const response = await runWithContext({ correlationId: 'c', authorization: 'Bearer from-context' }, () =>
      client.forward({ method: 'GET', path: '/me', headers: { authorization: 'Bearer from-client' } }),
    );
    await readAll(response.body);

    expect(upstream.server?.received[0]?.headers.authorization).toBe('Bearer from-client');
  });

  test('When the upstream answers 5xx, then the response passes through and counts against the breaker', async () => {
    const { client } = await arrange((_req, res) => sendJson(res, 503, { error: { code: 'down' } }), {
      breaker: { volumeThreshold: 3, resetTimeoutMs: 10_000 },
    });
    const post = () =>
      client.forward({
        method: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json', 'content-length': '2' },
        body: Readable.from([Buffer.from('{}')]),
      });

    for (let i = 0; i < 3; i++) {
      const response = await post();
      expect(response.status).toBe(503);
      expect(JSON.parse((await readAll(response.body)).toString())).toEqual({ error: { code: 'down' } });
    }

    expect(client.state()).toBe('open');
    await expect(post()).rejects.toMatchObject({ status: 503, reason: 'breaker_open', outcome: 'not_sent' });
    expect(upstream.server?.received).toHaveLength(3);
  });

  test('When the upstream does not answer in time, then it rejects with 504 upstream_timeout', async () => {
    const { client } = await arrange(
      (_req, res) => {
        setTimeout(() => res.writeHead(200).end(), 5000).unref();
      },
      { timeoutMs: 150, retries: 0 },
    );

    await expect(client.forward({ method: 'GET', path: '/slow', headers: {} })).rejects.toMatchObject({
      status: 504,
      code: 'upstream_timeout',
      outcome: 'unknown',
    });
  });

  test('When nothing listens, then it rejects with 503 connection_refused and not_sent', async () => {
    const subject = await upstream.arrangeUnreachable({ retries: 0 });

    await expect(subject.client.forward({ method: 'GET', path: '/', headers: {} })).rejects.toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
      reason: 'connection_refused',
      outcome: 'not_sent',
    });
  });

  test('When a forwarded body is still being read, then it holds its bulkhead slot until consumed', async () => {
    const { client } = await arrange((_req, res) => res.writeHead(200).end('done'), { maxConcurrent: 1 });

    const first = await client.forward({ method: 'GET', path: '/a', headers: {} });
    await expect(client.forward({ method: 'GET', path: '/b', headers: {} })).rejects.toMatchObject({
      reason: 'bulkhead_full',
    });
    await readAll(first.body);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await client.forward({ method: 'GET', path: '/c', headers: {} });

    expect(second.status).toBe(200);
    expect((await readAll(second.body)).toString()).toBe('done');
  });

  test('When a GET pass-through meets 502, then it is retried and the successful answer is returned', async () => {
    const { client } = await arrange((_req, res, index) =>
      index === 0 ? sendJson(res, 502, { error: 'flaky' }) : sendJson(res, 200, { ok: true }),
    );

    const response = await client.forward({ method: 'GET', path: '/products', headers: {} });

    expect(response.status).toBe(200);
    expect(JSON.parse((await readAll(response.body)).toString())).toEqual({ ok: true });
    expect(upstream.server?.received).toHaveLength(2);
  });
});
