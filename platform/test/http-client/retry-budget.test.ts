import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { sendJson, testClient, upstreamFixture, type Handler } from './upstream-server.js';

describe('UpstreamClient retry budget (one overall deadline per call)', () => {
  const upstream = upstreamFixture({ breaker: { volumeThreshold: 100 } });
  const { arrange } = upstream;
  const held: ServerResponse[] = [];

  afterEach(() => {
    for (const res of held.splice(0)) res.destroy();
  });

  const hang: Handler = (_req, res) => void held.push(res);

  /** The call's outcome and how long it took (a bound of the feature, not a benchmark). */
  async function timed<T>(call: () => Promise<T>): Promise<{ result: unknown; ms: number }> {
    const started = performance.now();
    const result = await call().catch((error: unknown) => error);
    return { result, ms: performance.now() - started };
  }

  test('When every attempt hangs and no budget is set, then a GET with 2 retries makes one attempt: a retried timeout would outlive the call', async () => {
    const { client } = await arrange(hang, { timeoutMs: 300, retries: 2 });

    const { result, ms } = await timed(() => client.request({ method: 'GET', path: '/slow' }));

    expect(result).toMatchObject({ reason: 'timeout', status: 504 });
    expect(upstream.server?.received).toHaveLength(1);
    expect(ms).toBeLessThan(300 + 500);
  });

  test('When the budget holds one attempt and a bit, then the second attempt gets only what is left and the call ends with the budget', async () => {
    const { client } = await arrange(hang, { timeoutMs: 1000, budgetMs: 1200, retries: 2 });

    const { result, ms } = await timed(() => client.request({ method: 'GET', path: '/slow' }));

    expect(result).toMatchObject({ reason: 'timeout' });
    expect(upstream.server?.received).toHaveLength(2);
    // Two full attempts would take at least 2000 ms; the budget ends the call at 1200 ms.
    expect(ms).toBeLessThan(1200 + 600);
  });

  test('When attempts fail fast, then every retry fits in the budget', async () => {
    const { client } = await arrange((_req, res) => sendJson(res, 500, { error: 'boom' }), {
      timeoutMs: 1000,
      retries: 2,
    });

    const response = await client.request({ method: 'GET', path: '/flaky' });

    expect(response.status).toBe(500);
    expect(upstream.server?.received).toHaveLength(3);
  });

  test('When a slow failure leaves less than a worthwhile attempt of the budget, then no retry starts and the failure is returned', async () => {
    const { client } = await arrange(
      (_req, res) => void setTimeout(() => sendJson(res, 500, { error: 'slow boom' }), 250),
      { timeoutMs: 1000, budgetMs: 300, retries: 2 },
    );

    const response = await client.request({ method: 'GET', path: '/flaky' });

    expect(response.status).toBe(500);
    expect(upstream.server?.received).toHaveLength(1);
  });

  test('When the budget is smaller than the attempt timeout, then even a single attempt ends with the budget', async () => {
    const { client } = await arrange(hang, { timeoutMs: 5000, budgetMs: 300, retries: 0 });

    const { result, ms } = await timed(() => client.request({ method: 'POST', path: '/slow', body: {} }));

    expect(result).toMatchObject({ reason: 'timeout' });
    expect(ms).toBeLessThan(300 + 500);
  });

  test('When the budget is not a positive number, then the client refuses to be created', () => {
    expect(() => testClient('http://127.0.0.1:1', { budgetMs: 0 })).toThrow(/budgetMs/);
  });
});
