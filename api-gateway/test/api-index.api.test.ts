import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { UPSTREAMS } from '../src/routing/route-table.js';
import {
  type RunningGateway,
  startGatewayOverStubs,
  stopGatewayAndStubs,
  type StartedStubs,
  METRICS_READER,
} from './support/gateway.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('GET / on the gateway', () => {
  let stubs: StartedStubs;
  let gateway: RunningGateway;
  beforeAll(async () => ({ stubs, gateway } = await startGatewayOverStubs()));
  afterAll(() => stopGatewayAndStubs(gateway, stubs));

  test('When anyone opens the gateway URL, then a short JSON index names it, its version and where to go next', async () => {
    const res = await request(gateway.url, 'GET', '/');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-correlation-id')).toBeTruthy();
    expect(res.body).toEqual({
      name: 'shop-platform',
      service: 'api-gateway',
      version,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health' },
    });
    for (const name of UPSTREAMS) expect(stubs[name].requests).toEqual([]);
  });

  test('When HEAD / is asked, then 200 without a body; another method gets 405 with Allow', async () => {
    const head = await fetch(`${gateway.url}/`, { method: 'HEAD' });
    const post = await request(gateway.url, 'POST', '/', { body: {} });

    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('HEAD, GET');
  });

  test('When the index is served, then the request metrics count it under the route /', async () => {
    await request(gateway.url, 'GET', '/');

    const metrics = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_READER}` },
    }).then((res) => res.text());
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/",status="200"[^}]*\} [1-9]/);
  });
});
