import type { Db, ServiceBus } from '@shop/platform/runtime';
import { request, startServiceForTest, tokenFor } from '@shop/platform/tools/testing';
import type { OrderEventHooks } from '../../src/domain/ports.js';
import { orderService, type OrderSettings, type OrderUseCases } from '../../src/service.js';

export const MIN_AGE_MS = 1000;
export const DEADLINE_MS = 60_000;
/** Reservations and charges may land up to 500 ms after they are sent; clocks may differ by 100 ms. */
export const CALL_WINDOW_MS = 500;
export const CLOCK_SKEW_MS = 100;

export interface HarnessOptions {
  /** Environment over the harness's (e.g. the placement budget's own defaults). */
  env?: Record<string, string>;
  inventoryUrl: string;
  paymentUrl: string;
  /** Per-attempt timeout of calls to inventory and payment. */
  timeoutMs?: number;
  retries?: number;
  hooks?: Partial<OrderEventHooks>;
  /** Replaces some of the test settings (e.g. a call deadline longer than the recovery's minimum age). */
  settings?: Partial<OrderSettings>;
  /** The embedded queue file of the service's event bus (default: `events.db` in its temp dir). */
  eventsFile?: string;
  /** Another instance's data directory (a restart after a crash); left in place on stop. */
  dataDir?: string;
}

export interface OrderServiceHarness {
  url: string;
  /** The use cases compose exposes (the recovery pass on a chosen clock, fulfilment...). */
  domain: OrderUseCases;
  db: Db;
  dataDir: string;
  bus: ServiceBus;
  logLines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Retry delays of the test bus: a handler that kept failing would be dead-lettered within a second. */
export const TEST_RETRY_DELAYS_MS = [50, 100];

export const settings: OrderSettings = {
  retryAfterSeconds: 5,
  recovery: {
    minAgeMs: MIN_AGE_MS,
    deadlineMs: DEADLINE_MS,
    hardDeadlineMs: 2 * DEADLINE_MS,
    backoffBaseMs: 1000,
    backoffCapMs: 30_000,
    batchSize: 50,
  },
  taskBackoff: { baseMs: 1000, capMs: 30_000 },
  idempotencyKeyTtlMs: 24 * 60 * 60_000,
  deadlines: { windowMs: CALL_WINDOW_MS, clockSkewMs: CLOCK_SKEW_MS },
  cart: {
    idleTtlMs: 24 * 60 * 60_000,
    maxQuantity: 100,
    maxTotalQuantity: 10_000,
    maxItems: 50,
    purgeBatchSize: 500,
  },
};

/**
 * order-service as main.ts runs it (startServiceForTest), calling the given upstreams over HTTP, with the
 * test's settings (shorter than the config allows) and no recovery timer: tests run recovery passes themselves.
 */
export async function startOrderService(options: HarnessOptions): Promise<OrderServiceHarness> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const retries = options.retries ?? 1;
  const service = await startServiceForTest(orderService, {
    env: {
      INVENTORY_SERVICE_URL: options.inventoryUrl,
      PAYMENT_SERVICE_URL: options.paymentUrl,
      UPSTREAM_TIMEOUT_MS: String(timeoutMs),
      UPSTREAM_RETRIES: String(retries),
      ORDER_RECOVERY_INTERVAL_MS: '0',
      CART_PURGE_INTERVAL_MS: '0',
      // What the config checks; the settings seam below replaces them with the test's.
      ORDER_RECOVERY_MIN_AGE_MS: String(timeoutMs * (retries + 1)),
      ORDER_CALL_DEADLINE_MS: String(Math.max(100, timeoutMs * (retries + 1))),
      // Most tests place many orders for one customer at once: the placement budget has its own test.
      ORDER_PLACEMENT_POINTS: '100000',
      // Tests order up to the request schema's 100 units to run stock out; the caps have their own test.
      ORDER_MAX_QUANTITY_PER_PRODUCT: '100',
      ORDER_MAX_QUANTITY_PER_ORDER: '10000',
      ...options.env,
    },
    seams: {
      settings: { ...settings, ...options.settings },
      ...(options.hooks && { hooks: options.hooks }),
    },
    bus: {
      retryDelaysMs: TEST_RETRY_DELAYS_MS,
      ...(options.eventsFile !== undefined && { embeddedFile: options.eventsFile }),
    },
    upstream: { retryBaseMs: 1 },
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
  });
  return {
    url: service.url,
    domain: service.exposed,
    db: service.db,
    dataDir: service.dataDir,
    bus: service.bus,
    logLines: service.logLines,
    stop: () => service.stop(),
  };
}

export const customerA = { id: 'customer-a', role: 'customer' as const };
export const customerB = { id: 'customer-b', role: 'customer' as const };
export const admin = { id: 'admin-1', role: 'admin' as const };
export const tokenOf = (user: { id: string; role: 'customer' | 'admin' | 'service' }) => tokenFor(user);

export interface OrderBody {
  id: string;
  customerId: string;
  status: string;
  cancelReason?: string;
  items: {
    productId: number;
    name: string | null;
    quantity: number;
    unitPriceCents: number | null;
    lineTotalCents: number | null;
  }[];
  totalCents: number | null;
  currency: string;
  paymentId?: string;
  shipmentId?: string;
  trackingNumber?: string;
}

export interface ErrorBody {
  error: { code: string; message: string; correlationId: string; details?: Record<string, unknown> };
}

export function placeOrder(
  baseUrl: string,
  body: unknown,
  options: {
    user?: { id: string; role: 'customer' | 'admin' | 'service' };
    headers?: Record<string, string>;
  } = {},
) {
  return request<OrderBody & ErrorBody>(baseUrl, 'POST', '/api/orders', {
    body,
    token: tokenOf(options.user ?? customerA),
    headers: options.headers,
  });
}

/** A point in time past the recovery worker's minimum age for every order created so far. */
export function afterMinAge(extraMs = 0): Date {
  return new Date(Date.now() + MIN_AGE_MS + 1 + extraMs);
}

/** The value of one series in the /metrics text. */
export function metricValue(
  metricsText: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
