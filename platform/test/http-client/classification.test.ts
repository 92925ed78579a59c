import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, test } from 'vitest';
import type { ForwardedHead, UpstreamClient } from '../../src/http-client/index.js';
import { metricValue, sendJson, UPSTREAM, upstreamFixture } from './upstream-server.js';

const DEPENDENCY_DOWN = {
  error: {
    code: 'dependency_unavailable',
    message: 'A service needed to place the order is unavailable; the order was cancelled, retry later',
    correlationId: 'c-1',
    details: { orderId: 'o-1' },
  },
};

const breaker = { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 10_000 };

/** Answers with `status`, the given JSON body (or raw text), and Retry-After. */
function answer(status: number, body: unknown, contentType = 'application/json') {
  return (res: ServerResponse) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'retry-after': '5' });
    res.end(payload);
  };
}

/** forwardInto() into an in-memory writable; resolves with the head and the body the caller received. */
async function forwardInto(
  client: UpstreamClient,
  method = 'POST',
): Promise<{ head: ForwardedHead | undefined; body: string }> {
  let head: ForwardedHead | undefined;
  const chunks: Buffer[] = [];
  await client.forwardInto({ method, path: '/api/orders', headers: {}, body: Buffer.from('{}') }, (h) => {
    head = h;
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
  });
  return { head, body: Buffer.concat(chunks).toString('utf8') };
}

describe('UpstreamClient failure classification', () => {
  const upstream = upstreamFixture({ retries: 0, breaker });
  const arrange = (respond: (res: ServerResponse) => void, options = {}) =>
    upstream.arrange((_req, res) => respond(res), options);

  const outcomes = (outcome: string, verdict: string) =>
    metricValue(upstream.subject?.registry ?? (undefined as never), 'upstream_outcomes_total', {
      upstream: UPSTREAM,
      route_class: 'all',
      outcome,
      breaker: verdict,
    });

  test('When the upstream keeps answering 503 dependency_unavailable in the platform error shape, then every answer is passed back and the breaker stays closed', async () => {
    const { client } = await arrange(answer(503, DEPENDENCY_DOWN));

    for (let i = 0; i < 10; i++) {
      const response = await client.request({ method: 'POST', path: '/api/orders', body: {} });
      expect(response.status).toBe(503);
      expect(response.body).toEqual(DEPENDENCY_DOWN);
    }
    for (let i = 0; i < 5; i++) {
      const { head, body } = await forwardInto(client);
      expect(head?.status).toBe(503);
      expect(head?.headers['retry-after']).toBe('5');
      expect(JSON.parse(body)).toEqual(DEPENDENCY_DOWN);
    }

    expect(client.state()).toBe('closed');
    expect(upstream.server?.received).toHaveLength(15);
    expect(await outcomes('dependency_unavailable', 'success')).toBe(15);
  });

  test('When the 503 dependency_unavailable comes with a Content-Length (as Koa sends it), then it is passed through whole and the breaker stays closed', async () => {
    const payload = Buffer.from(JSON.stringify(DEPENDENCY_DOWN));
    const { client } = await arrange((res) => {
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
      });
      res.end(payload);
    });

    for (let i = 0; i < 5; i++) {
      const { head, body } = await forwardInto(client);
      expect(head?.headers['content-length']).toBe(String(payload.length));
      expect(body).toBe(payload.toString('utf8'));
    }

    expect(client.state()).toBe('closed');
  });

  test('When a retryable call meets 503 dependency_unavailable, then it is not retried: the upstream already answered for its dependency', async () => {
    const { client } = await arrange(answer(503, DEPENDENCY_DOWN), { retries: 2, budgetMs: 5000 });

    const response = await client.request({ method: 'GET', path: '/api/orders' });

    expect(response.status).toBe(503);
    expect(upstream.server?.received).toHaveLength(1);
  });

  test.each([
    ['503 without a JSON body', 503, 'Service Unavailable', 'text/plain'],
    [
      '503 JSON with another error code',
      503,
      { error: { code: 'database_busy', message: 'busy' } },
      undefined,
    ],
    ['503 JSON without the error shape', 503, { code: 'dependency_unavailable' }, undefined],
    ['500', 500, { error: { code: 'internal_error', message: 'Internal server error' } }, undefined],
    ['502', 502, { error: { code: 'bad_gateway', message: 'bad' } }, undefined],
    ['504', 504, { error: { code: 'upstream_timeout', message: 'slow' } }, undefined],
  ])(
    'When the upstream keeps answering %s, then the breaker opens',
    async (_label, status, body, contentType) => {
      const { client } = await arrange(answer(status, body, contentType));

      for (let i = 0; i < breaker.volumeThreshold; i++) {
        expect((await forwardInto(client)).head?.status).toBe(status);
      }

      expect(client.state()).toBe('open');
      await expect(client.request({ method: 'GET', path: '/api/orders' })).rejects.toMatchObject({
        reason: 'breaker_open',
      });
    },
  );

  test('When a 503 dependency_unavailable body is larger than the inspection limit, then it is not read and counts as a failure', async () => {
    const padded = { error: { ...DEPENDENCY_DOWN.error, details: { padding: 'x'.repeat(20_000) } } };
    const { client } = await arrange(answer(503, padded));

    for (let i = 0; i < breaker.volumeThreshold; i++) {
      const { body } = await forwardInto(client);
      expect(JSON.parse(body)).toEqual(padded);
    }

    expect(client.state()).toBe('open');
  });

  test('When the upstream answers 429 and other 4xx, then the breaker never opens and the outcomes are counted apart', async () => {
    let status = 429;
    const { client } = await arrange((res) =>
      sendJson(res, status, { error: { code: 'refused', message: 'no' } }),
    );

    for (let i = 0; i < 6; i++) await client.request({ method: 'GET', path: '/x' });
    status = 409;
    for (let i = 0; i < 6; i++) await client.request({ method: 'GET', path: '/x' });

    expect(client.state()).toBe('closed');
    expect(await outcomes('rate_limited', 'success')).toBe(6);
    expect(await outcomes('client_error', 'success')).toBe(6);
  });

  test('When forward() meets 503 dependency_unavailable, then the body it hands back is intact and the breaker stays closed', async () => {
    const { client } = await arrange(answer(503, DEPENDENCY_DOWN));

    for (let i = 0; i < 5; i++) {
      const response = await client.forward({ method: 'POST', path: '/api/orders', headers: {} });
      expect(response.status).toBe(503);
      expect(JSON.parse(await text(response.body))).toEqual(DEPENDENCY_DOWN);
    }

    expect(client.state()).toBe('closed');
  });

  test('When a client has its breaker disabled, then it keeps calling a failing upstream and exports no breaker state', async () => {
    const { client, registry } = await arrange(answer(500, { error: { code: 'x', message: 'y' } }), {
      routeClass: 'control',
      breaker: { ...breaker, enabled: false },
    });

    for (let i = 0; i < 10; i++)
      expect((await client.request({ method: 'GET', path: '/chaos' })).status).toBe(500);

    expect(upstream.server?.received).toHaveLength(10);
    expect(client.state()).toBe('closed');
    expect(await metricValue(registry, 'circuit_breaker_state', { route_class: 'control' })).toBeUndefined();
    expect(
      await metricValue(registry, 'upstream_outcomes_total', {
        route_class: 'control',
        outcome: 'server_error',
        breaker: 'not_counted',
      }),
    ).toBe(10);
  });
});
