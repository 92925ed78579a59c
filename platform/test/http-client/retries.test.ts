import { describe, expect, test } from 'vitest';
import { sendJson, upstreamFixture, type TestClient } from './upstream-server.js';

describe('UpstreamClient retries', () => {
  const upstream = upstreamFixture({ retries: 2 });

  /** An upstream that answers `failures` times with `status` (or drops the connection), then 200. */
  async function flakyUpstream(
    failures: number,
    failure: number | 'reset',
    options = {},
  ): Promise<TestClient> {
    return upstream.arrange((req, res, index) => {
      if (index >= failures) sendJson(res, req.method === 'POST' ? 201 : 200, { attempt: index + 1 });
      else if (failure === 'reset') req.socket.destroy();
      else sendJson(res, failure, { error: 'transient' });
    }, options);
  }

  test('When a GET meets 503 twice, then it is retried and the third attempt succeeds', async () => {
    const { client } = await flakyUpstream(2, 503);

    const response = await client.request({ method: 'GET', path: '/products/1' });

    expect(response).toMatchObject({ status: 200, body: { attempt: 3 } });
    expect(upstream.server?.received).toHaveLength(3);
  });

  test('When a GET meets a connection reset, then it is retried and succeeds', async () => {
    const { client } = await flakyUpstream(1, 'reset');

    const response = await client.request({ method: 'GET', path: '/products/1' });

    expect(response).toMatchObject({ status: 200, body: { attempt: 2 } });
    expect(upstream.server?.received).toHaveLength(2);
  });

  test('When a GET keeps failing, then it resolves with the last 5xx after 1 + retries attempts', async () => {
    const { client } = await flakyUpstream(10, 502);

    const response = await client.request({ method: 'GET', path: '/products/1' });

    expect(response.status).toBe(502);
    expect(upstream.server?.received).toHaveLength(3);
  });

  test('When a POST without idempotency key meets 503, then it is not retried and the 503 is returned', async () => {
    const { client } = await flakyUpstream(1, 503);

    const response = await client.request({ method: 'POST', path: '/charges', body: { amount: 100 } });

    expect(response.status).toBe(503);
    expect(upstream.server?.received).toHaveLength(1);
  });

  test('When a POST without idempotency key meets a connection reset, then it rejects with an unknown outcome', async () => {
    const { client } = await flakyUpstream(1, 'reset');

    await expect(client.request({ method: 'POST', path: '/charges', body: {} })).rejects.toMatchObject({
      status: 502,
      reason: 'bad_gateway',
      outcome: 'unknown',
    });
    expect(upstream.server?.received).toHaveLength(1);
  });

  test('When a POST with idempotency key meets 503, then it is retried with the same Idempotency-Key each time', async () => {
    const { client } = await flakyUpstream(2, 503);

    const response = await client.request({
      method: 'POST',
      path: '/charges',
      body: { amount: 100 },
      idempotencyKey: 'order-42-charge',
    });

    expect(response.status).toBe(201);
    expect(upstream.server?.received.map((request) => request.headers['idempotency-key'])).toEqual([
      'order-42-charge',
      'order-42-charge',
      'order-42-charge',
    ]);
  });

  test('When a GET meets 4xx, then it is never retried', async () => {
    const { client } = await flakyUpstream(5, 429);

    const response = await client.request({ method: 'GET', path: '/products/1' });

    expect(response.status).toBe(429);
    expect(upstream.server?.received).toHaveLength(1);
  });

  test('When the breaker opens during retries, then no further attempt is made', async () => {
    const { client } = await flakyUpstream(100, 500, {
      retries: 5,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 10_000 },
    });

    const response = await client.request({ method: 'GET', path: '/products/1' });

    expect(response.status).toBe(500);
    expect(client.state()).toBe('open');
    expect(upstream.server?.received).toHaveLength(2);
  });
});
