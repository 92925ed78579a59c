import { randomUUID } from 'node:crypto';
import { newCustomer, signToken, startPlatform, type Platform } from '@shop/resilience-tests';
import { toolsRequired } from './ops-env.js';
import { repoFileExists } from './repo-files.js';
import { SERVICES } from './service-catalog.js';

const unbuilt = SERVICES.filter((service) => !repoFileExists(`${service.name}/dist/src/main.js`)).map(
  (service) => service.name,
);

/**
 * Why live tests are skipped, or undefined when they must run. The runner spawns each service's
 * dist/src/main.js, which `npm test` builds first; with REQUIRE_SERVICES=1 or CI=true a missing build
 * fails the tests instead (startLivePlatform then throws).
 */
export const livePlatformSkipReason: string | undefined =
  unbuilt.length === 0 || toolsRequired
    ? undefined
    : `${unbuilt.join(', ')} not built (run node scripts/tsc.mjs -b); skipping the live tests, ` +
      `set REQUIRE_SERVICES=1 to make this a failure`;

/** Every service of docs/architecture.md#ports-and-run-modes as real processes on free 127.0.0.1 ports (embedded event transport). */
export function startLivePlatform(
  options: { serviceEnv?: Record<string, Record<string, string>> } = {},
): Promise<Platform> {
  if (unbuilt.length > 0) {
    throw new Error(`live tests need every service built; missing: ${unbuilt.join(', ')}`);
  }
  return startPlatform({ services: SERVICES.map((service) => service.name), serviceEnv: options.serviceEnv });
}

/** The status of each request the sample traffic made, so a test can tell the traffic did its job. */
export interface SampleTraffic {
  productList: number;
  productById: number;
  unknownProduct: number;
  unmatchedPath: number;
  confirmedOrder: number;
  orderById: number;
  declinedOrder: number;
  /** Statuses of the wrong-password logins, in order; the last one is 429 once the limiter tripped. */
  bruteForceLogins: number[];
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON: keep the text for failure messages.
  }
  return { status: response.status, body };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

const maxBruteForceAttempts = 30;

/**
 * Drives a little of everything through the gateway, so every design metric has a series: a
 * registration and login, product reads (one by id, one unknown id), an unroutable path with an id in
 * it, a confirmed and a declined order (saga, breakers, payments, events) and wrong-password logins
 * until the brute-force limiter answers 429.
 */
export async function driveSampleTraffic(platform: Platform): Promise<SampleTraffic> {
  const gateway = platform.gatewayUrl;
  const customer = await newCustomer(platform);
  const list = await call(gateway, 'GET', '/api/products?limit=5');
  const firstProduct = field(field(list.body, 'data'), '0');
  const productId = field(firstProduct, 'id');
  if (typeof productId !== 'number') {
    throw new Error(`GET /api/products returned no product: ${list.status} ${JSON.stringify(list.body)}`);
  }
  const productById = await call(gateway, 'GET', `/api/products/${productId}`);
  const unknownProduct = await call(gateway, 'GET', '/api/products/987654321');
  const unmatchedPath = await call(gateway, 'GET', `/api/no-such-resource/12345/${randomUUID()}`);
  const items = [{ productId, quantity: 1 }];
  const confirmed = await call(gateway, 'POST', '/api/orders', { token: customer.token, body: { items } });
  const orderId = field(confirmed.body, 'id');
  const orderById = await call(gateway, 'GET', `/api/orders/${String(orderId)}`, { token: customer.token });
  const declined = await call(gateway, 'POST', '/api/orders', {
    token: customer.token,
    body: { items, payment: { token: 'tok_chargeDeclined' } },
  });

  const bruteForceLogins: number[] = [];
  const victim = { email: `nobody-${randomUUID()}@live-metrics.test`, password: 'Wrong-Password-1' };
  while (bruteForceLogins.at(-1) !== 429 && bruteForceLogins.length < maxBruteForceAttempts) {
    bruteForceLogins.push((await call(gateway, 'POST', '/auth/login', { body: victim })).status);
  }

  return {
    productList: list.status,
    productById: productById.status,
    unknownProduct: unknownProduct.status,
    unmatchedPath: unmatchedPath.status,
    confirmedOrder: confirmed.status,
    orderById: orderById.status,
    declinedOrder: declined.status,
    bruteForceLogins,
  };
}

/** What driveSampleTraffic must have seen for the metrics to mean anything. */
export const EXPECTED_TRAFFIC: Omit<SampleTraffic, 'bruteForceLogins'> = {
  productList: 200,
  productById: 200,
  unknownProduct: 404,
  unmatchedPath: 404,
  confirmedOrder: 201,
  orderById: 200,
  declinedOrder: 402,
};

export interface Scrape {
  status: number;
  contentType: string;
  body: string;
}

/** GET <url>/metrics of every service of the platform, by service name. */
export async function scrapeAll(platform: Platform): Promise<Map<string, Scrape>> {
  // As Prometheus would: the gateway's public port shows /metrics to a service's token only.
  const token = signToken(platform.jwt, { id: 'service:prometheus', role: 'service' }, 300);
  const entries = await Promise.all(
    Object.entries(platform.urls).map(async ([name, url]) => {
      const response = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      const scrape: Scrape = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: await response.text(),
      };
      return [name, scrape] as const;
    }),
  );
  return new Map(entries);
}

export type { Platform };
