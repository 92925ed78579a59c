import { randomUUID } from 'node:crypto';
import { adminToken, newCustomer } from '../../accounts.js';
import { readStockLevels } from '../../stock-levels.js';
import { errorShapeProblems } from '../error-shape.js';
import { send, type Reply, type SendOptions } from '../http.js';
import { rawRequest } from '../raw-http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { missingServices, type SuiteTarget } from '../target.js';

const VALID_CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

interface Tokens {
  customer: string;
  admin: string;
}

interface Case {
  name: string;
  /** The service that must be present for the case to make sense. */
  needs: string;
  expect: readonly number[];
  request: (tokens: Tokens) => [method: string, path: string, options?: SendOptions];
}

const email = () => `bad-input-${randomUUID().slice(0, 8)}@resilience.test`;
const line = (productId: unknown, quantity: unknown) => ({ items: [{ productId, quantity }] });

/** Application-level bad input: each must be a 4xx JSON error of the right shape and change nothing. */
const CASES: readonly Case[] = [
  {
    name: 'register: malformed JSON',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/register', { body: '{"name": "x", ' }],
  },
  {
    name: 'register: wrong types',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/register', { body: { name: 42, email: true, password: ['x'] } }],
  },
  {
    name: 'register: invalid email',
    needs: 'customer-service',
    expect: [400],
    request: () => [
      'POST',
      '/auth/register',
      { body: { name: 'A', email: 'not-an-email', password: 'Valid-pass-123' } },
    ],
  },
  {
    name: 'register: weak password',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/register', { body: { name: 'A', email: email(), password: 'short' } }],
  },
  {
    name: 'register: asks for admin role',
    needs: 'customer-service',
    expect: [403, 400],
    request: () => [
      'POST',
      '/auth/register',
      { body: { name: 'A', email: email(), password: 'Valid-pass-123', role: 'admin' } },
    ],
  },
  {
    name: 'register: text/plain',
    needs: 'customer-service',
    expect: [415],
    request: () => ['POST', '/auth/register', { body: 'name=a', contentType: 'text/plain' }],
  },
  {
    name: 'register: XML',
    needs: 'customer-service',
    expect: [415],
    request: () => ['POST', '/auth/register', { body: '<customer/>', contentType: 'application/xml' }],
  },
  {
    name: 'register: 2 MB body',
    needs: 'customer-service',
    expect: [413],
    request: () => [
      'POST',
      '/auth/register',
      { body: { name: 'x'.repeat(2_000_000), email: email(), password: 'Valid-pass-123' } },
    ],
  },
  {
    name: 'login: array body',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/login', { body: [] }],
  },
  {
    name: 'login: JSON null',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/login', { body: 'null' }],
  },
  {
    name: 'login: empty object',
    needs: 'customer-service',
    expect: [400],
    request: () => ['POST', '/auth/login', { body: {} }],
  },
  {
    name: 'me: role is not writable',
    needs: 'customer-service',
    expect: [400, 403],
    request: (t) => ['PATCH', '/api/customers/me', { token: t.customer, body: { role: 'admin' } }],
  },
  {
    name: 'me: id is not writable',
    needs: 'customer-service',
    expect: [400, 403],
    request: (t) => ['PATCH', '/api/customers/me', { token: t.customer, body: { id: randomUUID() } }],
  },
  {
    name: 'products: id abc',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products/abc'],
  },
  {
    name: 'products: id -1',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products/-1'],
  },
  {
    name: 'products: id 1.5',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products/1.5'],
  },
  {
    name: 'products: id beyond 2^64',
    needs: 'inventory-service',
    expect: [400, 404],
    request: () => ['GET', '/api/products/99999999999999999999999'],
  },
  {
    name: 'products: limit 1000',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products?limit=1000'],
  },
  {
    name: 'products: page 0',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products?page=0'],
  },
  {
    name: 'products: limit abc',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', '/api/products?limit=abc'],
  },
  {
    name: 'products: SQL in sort',
    needs: 'inventory-service',
    expect: [400],
    request: () => ['GET', `/api/products?sort=${encodeURIComponent('price; DROP TABLE products')}`],
  },
  {
    name: 'products: create as customer',
    needs: 'inventory-service',
    expect: [403],
    request: (t) => [
      'POST',
      '/api/products',
      { token: t.customer, body: { sku: 'NOPE-1', name: 'x', priceCents: 100 } },
    ],
  },
  {
    name: 'products: negative price',
    needs: 'inventory-service',
    expect: [400],
    request: (t) => [
      'POST',
      '/api/products',
      { token: t.admin, body: { sku: 'BAD-1', name: 'x', priceCents: -5 } },
    ],
  },
  {
    name: 'products: price as string',
    needs: 'inventory-service',
    expect: [400],
    request: (t) => [
      'POST',
      '/api/products',
      { token: t.admin, body: { sku: 'BAD-2', name: 'x', priceCents: '12.50' } },
    ],
  },
  {
    name: 'products: stock to -1',
    needs: 'inventory-service',
    expect: [400],
    request: (t) => ['PATCH', '/api/products/1/stock', { token: t.admin, body: { stock: -1 } }],
  },
  {
    name: 'orders: empty object',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: {} }],
  },
  {
    name: 'orders: no items',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: { items: [] } }],
  },
  {
    name: 'orders: productId as string',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: line('1', 1) }],
  },
  {
    name: 'orders: quantity 0',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: line(1, 0) }],
  },
  {
    name: 'orders: quantity 1.5',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: line(1, 1.5) }],
  },
  {
    name: 'orders: quantity 1e9',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: line(1, 1e9) }],
  },
  {
    name: 'orders: 51 lines',
    needs: 'order-service',
    expect: [400],
    request: (t) => [
      'POST',
      '/api/orders',
      {
        token: t.customer,
        body: { items: Array.from({ length: 51 }, (_, i) => ({ productId: i + 1, quantity: 1 })) },
      },
    ],
  },
  {
    name: 'orders: card number as token',
    needs: 'order-service',
    expect: [400],
    request: (t) => [
      'POST',
      '/api/orders',
      { token: t.customer, body: { ...line(1, 1), payment: { token: '4242424242424242' } } },
    ],
  },
  {
    name: 'orders: unknown field',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: { ...line(1, 1), coupon: 'FREE' } }],
  },
  {
    name: 'orders: malformed JSON',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders', { token: t.customer, body: '{"items": [' }],
  },
  {
    name: 'orders: form-encoded',
    needs: 'order-service',
    expect: [415],
    request: (t) => [
      'POST',
      '/api/orders',
      { token: t.customer, body: 'productId=1&quantity=1', contentType: 'application/x-www-form-urlencoded' },
    ],
  },
  {
    name: 'orders: no token',
    needs: 'order-service',
    expect: [401],
    request: () => ['POST', '/api/orders', { body: line(1, 1) }],
  },
  {
    name: 'orders: garbage token',
    needs: 'order-service',
    expect: [401],
    request: () => ['POST', '/api/orders', { token: 'not.a.jwt', body: line(1, 1) }],
  },
  {
    name: 'orders: id not a uuid',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['GET', '/api/orders/not-a-uuid', { token: t.customer }],
  },
  {
    name: 'orders: unknown id',
    needs: 'order-service',
    expect: [404],
    request: (t) => ['GET', `/api/orders/${randomUUID()}`, { token: t.customer }],
  },
  {
    name: 'orders: cancel bad id',
    needs: 'order-service',
    expect: [400],
    request: (t) => ['POST', '/api/orders/%20/cancel', { token: t.customer }],
  },
  {
    name: 'orders: DELETE collection',
    needs: 'order-service',
    expect: [405],
    request: (t) => ['DELETE', '/api/orders', { token: t.customer }],
  },
  {
    name: 'payments: orderId not a uuid',
    needs: 'payment-service',
    expect: [400],
    request: (t) => ['GET', '/api/payments?orderId=nope', { token: t.customer }],
  },
  {
    name: 'shipments: orderId not a uuid',
    needs: 'shipping-service',
    expect: [400],
    request: (t) => ['GET', '/api/shipments?orderId=nope', { token: t.customer }],
  },
  {
    name: 'shipments: status update as customer',
    needs: 'shipping-service',
    expect: [403],
    request: (t) => [
      'PATCH',
      `/api/shipments/${randomUUID()}`,
      { token: t.customer, body: { status: 'DELIVERED' } },
    ],
  },
  {
    name: 'shipments: unknown status',
    needs: 'shipping-service',
    expect: [400],
    request: (t) => [
      'PATCH',
      `/api/shipments/${randomUUID()}`,
      { token: t.admin, body: { status: 'TELEPORTED' } },
    ],
  },
  {
    name: 'notifications: limit 1000',
    needs: 'notification-service',
    expect: [400],
    request: (t) => ['GET', '/api/notifications?limit=1000', { token: t.customer }],
  },
  {
    name: 'notifications: unknown event type',
    needs: 'notification-service',
    expect: [400],
    request: (t) => ['GET', '/api/notifications?eventType=DROP', { token: t.customer }],
  },
  {
    name: 'gateway: unknown route',
    needs: 'api-gateway',
    expect: [404],
    request: () => ['GET', '/api/nothing-here'],
  },
  {
    name: 'gateway: /internal is not routed',
    needs: 'api-gateway',
    expect: [404],
    request: (t) => ['GET', `/internal/reservations/${randomUUID()}`, { token: t.admin }],
  },
  {
    name: 'gateway: encoded traversal',
    needs: 'api-gateway',
    expect: [404, 400],
    request: () => ['GET', '/api/products/..%2f..%2finternal%2freservations'],
  },
];

async function counts(target: SuiteTarget, admin: string): Promise<Record<string, unknown>> {
  const total = async (path: string) => {
    const reply = await send(target.gatewayUrl, 'GET', path, { token: admin });
    return (
      (reply.body as { pagination?: { total?: unknown } } | undefined)?.pagination?.total ??
      `http ${reply.status}`
    );
  };
  const result: Record<string, unknown> = {};
  if (target.services.includes('customer-service')) result.customers = await total('/api/customers?limit=1');
  if (target.services.includes('inventory-service')) result.products = await total('/api/products?limit=1');
  if (target.services.includes('order-service')) result.orders = await total('/api/orders?limit=1');
  if (target.platform && target.services.includes('inventory-service')) {
    result.stock = JSON.stringify([...readStockLevels(target.platform.databaseFile('inventory-service'))]);
  }
  return result;
}

/**
 * Malformed bodies, wrong types, huge bodies, bad ids, bad JSON, wrong content types, hostile correlation
 * IDs: every answer is a 4xx JSON error of the right shape (protocol-level garbage: a 4xx from node:http),
 * and nothing changed (counts and stock before/after).
 */
export const badInput: Scenario = {
  name: 'bad-input',
  title: 'malformed requests through the gateway',
  timeoutMs: 60_000,
  failing: [],
  skipReason: (target) => missingServices(target, ['api-gateway', 'customer-service']),
  async run({ target, checks, figures }) {
    const customer = await newCustomer(target);
    const tokens: Tokens = { customer: customer.token, admin: await adminToken(target) };
    const before = await counts(target, tokens.admin);
    const traffic = new Tally();
    const wrongStatus: string[] = [];
    const shape: string[] = [];
    let ran = 0;

    for (const testCase of CASES) {
      if (!target.services.includes(testCase.needs)) continue;
      ran += 1;
      const [method, path, options] = testCase.request(tokens);
      const reply = traffic.add(await send(target.gatewayUrl, method, path, options));
      if (!testCase.expect.includes(reply.status)) {
        wrongStatus.push(
          `${testCase.name}: ${reply.status} (expected ${testCase.expect.join('/')}) ${reply.text.slice(0, 100)}`,
        );
      }
      shape.push(...errorShapeProblems(reply, testCase.name));
      if (reply.status === 405 && !reply.headers.allow) shape.push(`${testCase.name}: 405 without Allow`);
    }

    // Hostile correlation IDs: replaced by a valid one, never echoed, never a 5xx.
    const correlation: string[] = [];
    const hostile = [
      'a'.repeat(8192),
      'bad id <script>alert(1)</script>',
      'x'.repeat(129),
      '../../etc/passwd',
    ];
    for (const value of hostile) {
      const reply = traffic.add(
        await send(target.gatewayUrl, 'GET', '/api/nothing-here', { headers: { 'x-correlation-id': value } }),
      );
      const echoed = reply.headers['x-correlation-id'] ?? '';
      if (reply.status !== 404) correlation.push(`${value.slice(0, 20)}...: status ${reply.status}`);
      if (!VALID_CORRELATION.test(echoed) || echoed === value)
        correlation.push(`${value.slice(0, 20)}...: echoed ${echoed.slice(0, 40)}`);
      shape.push(...errorShapeProblems(reply, `correlation ${value.slice(0, 12)}`));
    }
    const host = new URL(target.gatewayUrl).host;
    // CRLF inside the value only splits it into two header lines: the injected one must not come back.
    const split = await rawRequest(
      target.gatewayUrl,
      `GET /api/nothing-here HTTP/1.1\r\nHost: ${host}\r\nX-Correlation-ID: ok-id\r\nSet-Cookie: injected=1`,
    );
    if (split.headers['set-cookie']?.includes('injected'))
      correlation.push('CRLF: injected Set-Cookie echoed');
    if (split.status !== 404) correlation.push(`CRLF: status ${split.status}`);
    // A bare CR or an oversized header never reaches the app: node's parser answers 400/431 and closes.
    const bareCr = await rawRequest(
      target.gatewayUrl,
      `GET /api/products HTTP/1.1\r\nHost: ${host}\r\nX-Correlation-ID: a\rb`,
    );
    if (bareCr.status < 400 || bareCr.status >= 500) correlation.push(`bare CR: status ${bareCr.status}`);
    const oversized = await rawRequest(
      target.gatewayUrl,
      `GET /api/products HTTP/1.1\r\nHost: ${host}\r\nX-Correlation-ID: ${'b'.repeat(20_000)}`,
    );
    if (oversized.status < 400 || oversized.status >= 500)
      correlation.push(`20 KB header: status ${oversized.status}`);
    figures.protocolLevel = { crlf: split.status, bareCr: bareCr.status, oversizedHeader: oversized.status };

    figures.cases = ran + hostile.length + 3;
    checks.none(`${ran} malformed requests get the expected 4xx`, wrongStatus);
    checks.none('every error is JSON {error:{code,message,correlationId}} and leaks nothing', shape);
    checks.none(
      'hostile correlation IDs are replaced, CRLF cannot inject headers, protocol garbage gets 4xx',
      correlation,
    );
    checks.check('no 5xx', traffic.count((r: Reply) => r.status >= 500) === 0);

    const after = await counts(target, tokens.admin);
    figures.before = before;
    checks.check(
      'nothing changed (customers, products, orders, stock)',
      JSON.stringify(before) === JSON.stringify(after),
      `before ${JSON.stringify(before).slice(0, 200)} after ${JSON.stringify(after).slice(0, 200)}`,
    );
    return traffic.summary();
  },
};
