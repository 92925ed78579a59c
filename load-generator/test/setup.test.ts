import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { SetupError } from '../src/accounts.js';
import { BudgetMirror } from '../src/budgets.js';
import { GatewayClient } from '../src/gateway-client.js';
import { prepareCustomers } from '../src/setup.js';

// A real HTTP server answering the way the gateway does in front of customer-service: RateLimit-* headers of
// the gateway's auth budget on every answer, and, once customer-service's own sign-up budget is spent, its
// 429 passed through while the gateway's budget still has points (as on a stack started with npm start:
// 10 sign-ups an hour per address behind 30 auth requests a minute).
let server: Server | undefined;

async function fakeGateway(signUpsAllowed: number): Promise<{ url: string; registers: () => number }> {
  let registers = 0;
  let authLeft = 30;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      authLeft = Math.max(0, authLeft - 1);
      const quota = {
        'ratelimit-limit': '30',
        'ratelimit-remaining': String(authLeft),
        'ratelimit-reset': '60',
      };
      const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...quota, ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/auth/register') {
        registers += 1;
        if (registers > signUpsAllowed) {
          json(
            429,
            {
              error: {
                code: 'rate_limited',
                message: 'Too many registrations from this client, retry later',
              },
            },
            { 'retry-after': '3540' },
          );
          return;
        }
        json(201, { id: `c${registers}` });
        return;
      }
      if (req.url === '/auth/login') {
        json(200, { accessToken: 'access', refreshToken: 'refresh', expiresIn: 900, tokenType: 'Bearer' });
        return;
      }
      json(404, { error: { code: 'not_found', message: 'no' } });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, registers: () => registers };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function setup(url: string, count: number, notices: string[]) {
  const client = new GatewayClient(url, { connections: 2 });
  const made = prepareCustomers(client, new BudgetMirror(), {
    runId: 'test',
    firstSequence: 1,
    count,
    parallel: 1,
    signal: new AbortController().signal,
    onProgress: (_done, waiting) => {
      if (waiting !== undefined) notices.push(waiting);
    },
  });
  return made.finally(() => client.close());
}

describe('prepareCustomers when customer-service refuses sign-ups behind the gateway', () => {
  test('When its sign-up budget runs out part way, then setup goes on with the customers made, says why, and asks no more', async () => {
    const gateway = await fakeGateway(3);
    const notices: string[] = [];

    const customers = await setup(gateway.url, 12, notices);

    expect(customers).toHaveLength(3);
    // One refused sign-up, not a loop of them spending the gateway's auth budget.
    expect(gateway.registers()).toBe(4);
    expect(notices).toEqual([expect.stringContaining('RATE_LIMIT_REGISTER_POINTS')]);
    expect(notices[0]).toContain('going on with 3 customers');
  });

  test('When not one sign-up is allowed, then setup fails at once with a SetupError naming the setting', async () => {
    const gateway = await fakeGateway(0);

    const failure = setup(gateway.url, 12, []);

    await expect(failure).rejects.toThrow(SetupError);
    await expect(failure).rejects.toThrow(/RATE_LIMIT_REGISTER_POINTS.*3540 s/);
    expect(gateway.registers()).toBe(1);
  });
});
