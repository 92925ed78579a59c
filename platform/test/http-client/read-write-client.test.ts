import { afterEach, describe, expect, test } from 'vitest';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { createReadWriteClient, type UpstreamClient } from '../../src/http-client/index.js';
import { captureLogger } from '../../src/testing/index.js';
import { metricValue, sendJson, startUpstreamServer, type UpstreamServer } from './upstream-server.js';

describe('createReadWriteClient', () => {
  let upstream: UpstreamServer | undefined;
  let client: UpstreamClient | undefined;

  afterEach(async () => {
    await client?.close();
    await upstream?.close();
  });

  test('When the upstream fails every write, then only the write breaker opens: reads keep reaching it, and successful reads do not delay the opening', async () => {
    upstream = await startUpstreamServer((req, res) =>
      req.method === 'GET' ? sendJson(res, 404, { error: 'none' }) : sendJson(res, 500, { error: 'down' }),
    );
    const registry = createMetricsRegistry('test-service', { collectDefault: false });
    client = createReadWriteClient({
      name: 'payment-service',
      baseUrl: upstream.url,
      logger: captureLogger('test-service').logger,
      registry,
      retries: 0,
      breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 10_000 },
    });
    const lookup = () => client?.request({ method: 'GET', path: '/internal/payments/by-order/o' });
    const charge = () => client?.request({ method: 'POST', path: '/internal/payments', body: {} });

    // Many successful lookups, then failing charges: one lane's successes do not weigh on the other.
    for (let i = 0; i < 20; i++) expect((await lookup())?.status).toBe(404);
    for (let i = 0; i < 4; i++) expect((await charge())?.status).toBe(500);

    await expect(charge()).rejects.toMatchObject({ reason: 'breaker_open' });
    expect((await lookup())?.status).toBe(404);
    expect(client.state()).toBe('open');
    const state = (routeClass: string) =>
      metricValue(registry, 'circuit_breaker_state', {
        upstream: 'payment-service',
        route_class: routeClass,
      });
    expect(await state('write')).toBe(2);
    expect(await state('read')).toBe(0);
  });
});
