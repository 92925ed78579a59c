import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { startGateway, startStubs, type RunningGateway, METRICS_READER } from './support/gateway.js';

/** inventory-service's product reads answer with an ETag and 304 on a matching If-None-Match; the gateway passes both. */
describe('conditional product reads through the gateway', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  let gateway: RunningGateway;
  const etag = '"v1-abc"';

  beforeAll(async () => {
    stubs = await startStubs();
    stubs['inventory-service'].answer = (req) =>
      req.headers['if-none-match'] === etag
        ? { status: 304, headers: { etag, 'cache-control': 'no-cache' } }
        : { status: 200, body: { id: 1, priceCents: 100 }, headers: { etag, 'cache-control': 'no-cache' } };
    gateway = await startGateway(stubs);
  });
  afterAll(async () => {
    await gateway.stop();
    await stubs.closeAll();
  });

  for (const path of ['/api/products/1', '/api/products?page=1']) {
    test(`When ${path} is read with the ETag it returned, then the client gets 304 with the ETag and no body`, async () => {
      const first = await request(gateway.url, 'GET', path);
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe(etag);
      expect(first.headers.get('cache-control')).toBe('no-cache');

      const again = await request(gateway.url, 'GET', path, { headers: { 'if-none-match': etag } });

      expect(again.status).toBe(304);
      expect(again.body).toBeUndefined();
      expect(again.headers.get('etag')).toBe(etag);
      const forwarded = stubs['inventory-service'].requests.at(-1);
      expect(forwarded?.headers['if-none-match']).toBe(etag);
    });
  }

  test('When 304s are answered, then they count as successes for the read breaker', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await request(gateway.url, 'GET', '/api/products/1', {
        headers: { 'if-none-match': etag },
      });
      expect(res.status).toBe(304);
    }
    const metrics = (await request<string>(gateway.url, 'GET', '/metrics', { token: METRICS_READER })).body;
    expect(metrics).toMatch(
      /circuit_breaker_state\{[^}]*upstream="inventory-service"[^}]*route_class="read"[^}]*\} 0/,
    );
  });
});
