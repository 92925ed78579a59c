import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminToken, type ApiTarget } from '../accounts.js';
import type { Credentials, Platform } from '../platform-runner.js';
import { send, type Reply } from './http.js';

/** What the scenarios run against: a platform the suite started, or an external stack behind GATEWAY_URL. */
export interface SuiteTarget extends ApiTarget {
  readonly gatewayUrl: string;
  readonly adminCredentials: Readonly<Credentials>;
  /** Set when the suite started the stack: process-level faults (kill, stop) are possible. */
  readonly platform: Platform | undefined;
  /** Services that were ready when the suite began. */
  readonly services: readonly string[];
}

export interface GatewayHealth {
  status: string;
  services: Record<string, { status: string }>;
  /** Per upstream, per route class: e.g. `{"order-service": {"read": "closed", "write": "open"}}`. */
  breakers: Record<string, Record<string, string>>;
}

export interface Fault {
  errorRate?: number;
  latencyMs?: number;
  durationMs?: number;
}

export function localTarget(platform: Platform): SuiteTarget {
  return {
    gatewayUrl: platform.gatewayUrl,
    adminCredentials: platform.adminCredentials,
    platform,
    services: platform.services,
  };
}

export async function externalTarget(gatewayUrl: string, credentials: Credentials): Promise<SuiteTarget> {
  const health = await gatewayHealth({ gatewayUrl, adminCredentials: credentials });
  const services = Object.entries(health?.services ?? {})
    .filter(([, h]) => h.status === 'ready')
    .map(([name]) => name);
  return {
    gatewayUrl,
    adminCredentials: credentials,
    platform: undefined,
    services: [...services, 'api-gateway'],
  };
}

/** The gateway's detailed /health (services and breakers): an admin's view, anonymous callers get `{status}`. */
export async function gatewayHealth(target: ApiTarget): Promise<GatewayHealth | undefined> {
  let token: string | undefined;
  try {
    token = await adminToken(target);
  } catch {
    // Not signed in: the anonymous answer has no details, which reads as "unknown" below.
  }
  const reply = await send(target.gatewayUrl, 'GET', '/health', {
    timeoutMs: 5000,
    ...(token !== undefined && { token }),
  });
  const body = reply.body as Partial<GatewayHealth> | undefined;
  if (!body?.services || !body.breakers) return undefined;
  return { status: String(body.status), services: body.services, breakers: body.breakers };
}

export function missingServices(target: SuiteTarget, needed: readonly string[]): string | undefined {
  const missing = needed.filter((name) => !target.services.includes(name));
  return missing.length ? `needs ${missing.join(', ')} (not built or not running)` : undefined;
}

/**
 * Why a scenario cannot run on `target`, or undefined: process control asked for and the suite did not
 * start the platform, a needed service missing, or chaos asked for and not enabled on the target.
 */
export async function unmetNeeds(
  target: SuiteTarget,
  needed: readonly string[],
  needs: { processControl?: boolean; chaos?: boolean } = {},
): Promise<string | undefined> {
  if (needs.processControl === true && !target.platform)
    return 'needs process control (the suite must start the platform; GATEWAY_URL is set)';
  const missing = missingServices(target, needed);
  if (missing) return missing;
  if (needs.chaos === true && !(await chaosAvailable(target)))
    return 'chaos is not enabled on the target (CHAOS_ENABLED=true)';
  return undefined;
}

const chaosProbe = new WeakMap<object, Promise<boolean>>();

/** Whether the stack accepts fault injection (CHAOS_ENABLED=true: the gateway routes /admin/chaos/:service). */
export function chaosAvailable(target: SuiteTarget): Promise<boolean> {
  let probe = chaosProbe.get(target);
  if (!probe) {
    probe = (async () => {
      const service = target.services.find((name) => name !== 'api-gateway');
      if (!service) return false;
      const reply = await send(target.gatewayUrl, 'GET', `/admin/chaos/${service}`, {
        token: await adminToken(target),
      });
      return reply.status === 200;
    })();
    chaosProbe.set(target, probe);
  }
  return probe;
}

/** POST /admin/chaos/:service through the gateway (admin); throws when the fault was not accepted. */
export async function injectFault(target: SuiteTarget, service: string, fault: Fault): Promise<void> {
  const reply = await send(target.gatewayUrl, 'POST', `/admin/chaos/${service}`, {
    token: await adminToken(target),
    body: { errorRate: 0, latencyMs: 0, durationMs: 120_000, ...fault },
  });
  if (reply.status !== 201)
    throw new Error(`chaos on ${service} refused: ${reply.status} ${reply.text.slice(0, 200)}`);
}

/** DELETE /admin/chaos/:service (never short-circuited by a breaker); retried briefly while a service restarts. */
export async function healFault(target: SuiteTarget, service: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await send(target.gatewayUrl, 'DELETE', `/admin/chaos/${service}`, {
      token: await adminToken(target),
    });
    if (last.status === 204) return;
    await sleep(250);
  }
  throw new Error(`could not heal ${service}: ${last?.status ?? '?'} ${last?.text.slice(0, 200) ?? ''}`);
}

/** Polls `probe` until it returns a value other than undefined, or the time is up. */
export async function waitFor<T>(
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<{ value: T | undefined; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() - started >= timeoutMs) return { value, ms: Date.now() - started };
    await sleep(intervalMs);
  }
}

// A cheap admin call per upstream and route class that changes nothing, to let a half-open breaker see a
// successful probe (a 4xx from the service counts as one).
const BREAKER_PROBES: Record<string, Record<string, { method: string; path: string; body?: unknown }>> = {
  'customer-service': {
    read: { method: 'GET', path: '/api/customers?limit=1' },
    write: { method: 'PATCH', path: `/api/customers/${randomUUID()}/role`, body: { role: 'nobody' } },
  },
  'inventory-service': {
    read: { method: 'GET', path: '/api/products?limit=1' },
    write: { method: 'PATCH', path: '/api/products/0/stock', body: {} },
  },
  'order-service': {
    read: { method: 'GET', path: '/api/orders?limit=1' },
    write: { method: 'POST', path: '/api/orders', body: { items: [] } },
  },
  'payment-service': {
    read: { method: 'GET', path: `/api/payments?orderId=${randomUUID()}` },
    write: { method: 'POST', path: `/api/payments/${randomUUID()}/refund` },
  },
  'shipping-service': {
    read: { method: 'GET', path: `/api/shipments?orderId=${randomUUID()}` },
    write: { method: 'PATCH', path: `/api/shipments/${randomUUID()}`, body: {} },
  },
  'notification-service': {
    read: { method: 'GET', path: '/api/notifications?limit=1' },
    write: { method: 'POST', path: `/api/notifications/${randomUUID()}/read` },
  },
};

/**
 * Back to a healthy baseline between scenarios: faults cleared, stopped services started again, every
 * service ready and every gateway breaker closed (probing the ones that are not). Returns what is still wrong.
 */
export async function settle(target: SuiteTarget, timeoutMs = 45_000): Promise<string[]> {
  const platform = target.platform;
  if (platform) {
    for (const name of platform.services) {
      if (!platform.isRunning(name)) await platform.start(name);
    }
  }
  if (await chaosAvailable(target)) {
    for (const name of target.services) {
      if (name !== 'api-gateway') await healFault(target, name).catch(() => undefined);
    }
  }
  const token = await adminToken(target);
  const { value } = await waitFor(
    timeoutMs,
    async () => {
      const health = await gatewayHealth(target);
      if (!health) return undefined;
      const notReady = target.services.filter(
        (s) => s !== 'api-gateway' && health.services[s]?.status !== 'ready',
      );
      const notClosed = Object.entries(health.breakers).flatMap(([name, lanes]) =>
        target.services.includes(name)
          ? Object.entries(lanes)
              .filter(([, state]) => state !== 'closed')
              .map(([routeClass]) => ({ name, routeClass }))
          : [],
      );
      const servicesOpen = platform ? await openServiceBreakers(platform) : [];
      if (notReady.length === 0 && notClosed.length === 0 && servicesOpen.length === 0) return [];
      for (const { name, routeClass } of notClosed) {
        const probe = BREAKER_PROBES[name]?.[routeClass];
        if (probe) await send(target.gatewayUrl, probe.method, probe.path, { token, body: probe.body });
      }
      return undefined;
    },
    500,
  );
  if (value) return value;
  const health = await gatewayHealth(target);
  const open = platform ? await openServiceBreakers(platform) : [];
  return [
    `not settled after ${timeoutMs} ms: ${JSON.stringify(health ?? 'no /health answer')}` +
      (open.length ? `; open breakers inside services: ${open.join(', ')}` : ''),
  ];
}

/**
 * Breakers a service holds open on its own upstreams (order-service on payment, shipping on order...), read
 * from each service's /metrics (circuit_breaker_state 2). A scenario that starts while one is open would see
 * the last scenario's fault: its calls are refused without being sent. An open breaker half-opens by itself
 * after its reset timeout, so waiting is enough.
 */
async function openServiceBreakers(platform: Platform): Promise<string[]> {
  const open: string[] = [];
  for (const name of platform.services) {
    if (name === 'api-gateway') continue;
    const reply = await send(platform.urls[name] ?? '', 'GET', '/metrics', { timeoutMs: 2000 });
    for (const line of reply.text.split('\n')) {
      if (line.startsWith('circuit_breaker_state{') && line.trimEnd().endsWith(' 2')) {
        open.push(`${name} ${line.slice('circuit_breaker_state'.length, line.lastIndexOf('}') + 1)}`);
      }
    }
  }
  return open;
}

export interface Product {
  id: number;
  priceCents: number;
  stock: number;
}

/** Creates a product with plenty of stock for one scenario (admin), so scenarios never starve each other. */
export async function createProduct(target: SuiteTarget, stock: number): Promise<Product> {
  const suffix = randomUUID().slice(0, 8);
  const reply = await send(target.gatewayUrl, 'POST', '/api/products', {
    token: await adminToken(target),
    body: {
      sku: `RES-${suffix}`,
      name: `Resilience ${suffix}`,
      description: 'resilience suite',
      priceCents: 1234,
      stock,
    },
  });
  const body = reply.body as Partial<Product> | undefined;
  if (reply.status !== 201 || typeof body?.id !== 'number') {
    throw new Error(`could not create a product: ${reply.status} ${reply.text.slice(0, 200)}`);
  }
  target.platform?.recordStockBaseline();
  return { id: body.id, priceCents: body.priceCents ?? 1234, stock: body.stock ?? stock };
}

export function placeOrder(
  target: SuiteTarget,
  token: string,
  productId: number,
  quantity = 1,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return send(target.gatewayUrl, 'POST', '/api/orders', {
    token,
    body: { items: [{ productId, quantity }] },
    timeoutMs: options.timeoutMs ?? 15_000,
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

export async function productStock(target: SuiteTarget, productId: number): Promise<number | undefined> {
  const reply = await send(target.gatewayUrl, 'GET', `/api/products/${productId}`, {
    token: await adminToken(target),
  });
  const stock = (reply.body as { stock?: unknown } | undefined)?.stock;
  return reply.status === 200 && typeof stock === 'number' ? stock : undefined;
}
