import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  dependenciesOf,
  failuresOutsideTheFault,
  observed,
  type ObservedReply,
} from '../src/suite/dependencies.js';
import { observeReplies, send, sendFrom, type Reply } from '../src/suite/http.js';
import { budgetNotice, chooseSourceAddress } from '../src/suite/source-address.js';

function reply(status: number, code?: string, error?: string): Pick<Reply, 'status' | 'body' | 'error'> {
  return {
    status,
    body: code === undefined ? undefined : { error: { code, message: 'm', correlationId: 'c' } },
    ...(error === undefined ? {} : { error }),
  };
}

describe('What a request depends on', () => {
  test.each([
    ['GET', '/api/orders?page=1', ['api-gateway', 'order-service']],
    ['GET', '/api/orders/2b6f0c1e-0000-4000-8000-000000000000', ['api-gateway', 'order-service']],
    ['POST', '/api/orders', ['api-gateway', 'order-service', 'inventory-service', 'payment-service']],
    [
      'POST',
      '/api/orders/abc/cancel',
      ['api-gateway', 'order-service', 'inventory-service', 'payment-service'],
    ],
    ['GET', '/api/products/7', ['api-gateway', 'inventory-service']],
    ['PATCH', '/api/products/7/stock', ['api-gateway', 'inventory-service']],
    ['POST', '/auth/login', ['api-gateway', 'customer-service']],
    ['GET', '/api/customers/me', ['api-gateway', 'customer-service']],
    ['GET', '/api/payments?orderId=x', ['api-gateway', 'payment-service']],
    ['GET', '/api/shipments?orderId=x', ['api-gateway', 'shipping-service']],
    ['GET', '/api/notifications', ['api-gateway', 'notification-service']],
    ['DELETE', '/admin/chaos/payment', ['api-gateway', 'payment-service']],
    ['POST', '/admin/chaos/inventory-service', ['api-gateway', 'inventory-service']],
    ['GET', '/health/ready', ['api-gateway']],
    ['GET', '/internal/reservations', ['api-gateway']],
    ['GET', '/api/nothing-here', ['api-gateway']],
  ])('When %s %s is sent, then it depends on %j', (method, path, expected) => {
    expect(dependenciesOf(method, path)).toEqual(expected);
  });

  test('When the aggregate /health is asked, then it depends on every service and the event transport', () => {
    expect(dependenciesOf('GET', '/health')).toEqual(
      expect.arrayContaining(['api-gateway', 'payment-service', 'notification-service', 'event-bus']),
    );
  });
});

describe('The cascade invariant: no 5xx for requests that do not depend on the failing component', () => {
  const replies: ObservedReply[] = [
    observed('POST', '/api/orders', reply(503, 'dependency_unavailable')),
    observed('GET', '/api/orders', reply(200)),
    observed('GET', '/api/orders', reply(503, 'upstream_unavailable')),
    observed('GET', '/api/products', reply(0, undefined, 'TimeoutError')),
    observed('GET', '/api/products', reply(0, undefined, 'ECONNRESET')),
    observed('GET', '/api/payments?orderId=1', reply(500, 'chaos_injected')),
  ];

  test('When payment-service is failing, then only the 5xx and timeouts of requests that never needed it are reported', () => {
    const violations = failuresOutsideTheFault(replies, ['payment-service']);

    expect(violations).toEqual([
      'GET /api/orders -> 503 upstream_unavailable (needs api-gateway, order-service; failing: payment-service)',
      'GET /api/products -> no answer TimeoutError (needs api-gateway, inventory-service; failing: payment-service)',
    ]);
  });

  test('When nothing is meant to fail, then every 5xx is reported', () => {
    expect(failuresOutsideTheFault(replies, [])).toHaveLength(4);
  });
});

describe('The suite client: observed replies and its own source address', () => {
  let server: Server;
  let url: string;
  const peers: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      peers.push(req.socket.remoteAddress ?? '');
      res.writeHead(req.url === '/fail' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/fail' ? { error: { code: 'x', message: 'y' } } : {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    sendFrom(undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('When replies are observed, then each is handed over with its method and path', async () => {
    const seen: string[] = [];
    observeReplies((method, path, r) => seen.push(`${method} ${path} ${r.status}`));
    try {
      await send(url, 'GET', '/health/live');
      await send(url, 'POST', '/fail', { body: {} });
    } finally {
      observeReplies(undefined);
    }
    await send(url, 'GET', '/after');

    expect(seen).toEqual(['GET /health/live 200', 'POST /fail 503']);
  });

  test('When the target is on loopback, then the suite picks a loopback alias of its own and its requests come from it', async () => {
    const choice = await chooseSourceAddress(url, undefined);
    expect(choice.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(choice.address).not.toMatch(/^127\.0\.0\./);

    sendFrom(choice.address);
    await send(url, 'GET', '/whoami');
    sendFrom(undefined);

    expect(peers.at(-1)).toBe(choice.address);
    expect(budgetNotice(url, choice).join('\n')).toMatch(/127\.0\.0\.1\) was not spent/);
  });

  test('When the choice is off or the gateway is not on loopback, then the OS picks the address and the notice says how long budgets stay spent', async () => {
    const off = await chooseSourceAddress(url, 'off');
    const remote = await chooseSourceAddress('http://gateway.example.test:8080', undefined);

    expect(off.address).toBeUndefined();
    expect(remote.address).toBeUndefined();
    expect(budgetNotice(url, off).join('\n')).toMatch(/900 s.*\n.*60 s/s);
    await expect(chooseSourceAddress(url, 'not-an-address')).rejects.toThrow(/RESILIENCE_SOURCE_ADDRESS/);
  });
});
