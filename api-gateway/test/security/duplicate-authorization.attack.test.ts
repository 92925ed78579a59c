import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawExchange, startProbeService, tokenFor } from '@shop/platform/tools/testing';
import {
  type RunningGateway,
  startGatewayOverStubs,
  stopGatewayAndStubs,
  type StartedStubs,
} from '../support/gateway.js';

/** Sends one request whose head carries every `[name, value]` line as given, on a raw socket. */
function sendWithLines(
  baseUrl: string,
  path: string,
  lines: [string, string][],
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  const head = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: close',
    ...lines.map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return rawExchange(baseUrl, head);
}

const alice = tokenFor({ id: 'alice', role: 'customer' });
const admin = tokenFor({ id: 'root', role: 'admin' });

describe('Attack: two Authorization header lines on one request', () => {
  let stubs: StartedStubs;
  let gateway: RunningGateway;
  beforeAll(async () => ({ stubs, gateway } = await startGatewayOverStubs()));
  afterAll(() => stopGatewayAndStubs(gateway, stubs));

  test('When a request to the gateway carries two Authorization lines, then 400 duplicate_authorization and nothing is relayed', async () => {
    const before = stubs['customer-service'].requests.length;
    const res = await sendWithLines(gateway.url, '/api/customers/me', [
      ['Authorization', `Bearer ${alice}`],
      ['Authorization', `Bearer ${admin}`],
    ]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'duplicate_authorization' } });
    expect(stubs['customer-service'].requests.length).toBe(before);
  });

  test('When the two lines differ only in case of the name, then 400 duplicate_authorization as well, nothing relayed', async () => {
    const before = stubs['customer-service'].requests.length;
    const res = await sendWithLines(gateway.url, '/api/customers/me', [
      ['authorization', `Bearer ${alice}`],
      ['AUTHORIZATION', `Bearer ${admin}`],
    ]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'duplicate_authorization' } });
    expect(stubs['customer-service'].requests.length).toBe(before);
  });

  test('When one Authorization line is sent, then the request goes through', async () => {
    const res = await sendWithLines(gateway.url, '/api/customers/me', [['Authorization', `Bearer ${alice}`]]);
    expect(res.status).toBe(200);
  });

  test('When a service is called directly with two Authorization lines, then it answers 400 too', async () => {
    const server = await startProbeService();
    try {
      const twice = await sendWithLines(server.url, '/anything', [
        ['Authorization', `Bearer ${alice}`],
        ['Authorization', `Bearer ${admin}`],
      ]);
      expect(twice.status).toBe(400);
      expect(JSON.parse(twice.body)).toMatchObject({ error: { code: 'duplicate_authorization' } });
      const once = await sendWithLines(server.url, '/anything', [['Authorization', `Bearer ${admin}`]]);
      expect(JSON.parse(once.body)).toEqual({ user: 'root' });
    } finally {
      await server.stop();
    }
  });
});
