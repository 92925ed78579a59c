import {
  createMetricsRegistry,
  createReadWriteClient,
  createUpstreamClient,
  loadMigrations,
  openDatabase,
  startServer,
  startServiceBus,
  type Db,
  type RunningServer,
  type ServiceBus,
  type UpstreamClient,
} from '@shop/platform';
import { captureLogger, request, tempDir, testTokens, tokenFor } from '@shop/platform/testing';
import { join } from 'node:path';
import { createApp, type OrderServiceApp, type OrderSettings } from '../../src/app.js';
import { createInventoryPort } from '../../src/upstream/inventory-client.js';
import { createPaymentPort } from '../../src/upstream/payment-client.js';
import { serviceAuthorization } from '../../src/upstream/service-credentials.js';
import type { OrderEventHooks } from '../../src/domain/ports.js';
import { effectEventHandlers } from '../../src/events/effect-handlers.js';
import { orderEventHandlers } from '../../src/events/handlers.js';
import { outboxOrderEvents } from '../../src/events/order-events.js';

export const MIN_AGE_MS = 1000;
export const DEADLINE_MS = 60_000;
/** Reservations and charges may land up to 500 ms after they are sent; clocks may differ by 100 ms. */
export const CALL_WINDOW_MS = 500;
export const CLOCK_SKEW_MS = 100;

export interface HarnessOptions {
  inventoryUrl: string;
  paymentUrl: string;
  /** Per-attempt timeout of calls to inventory and payment. */
  timeoutMs?: number;
  retries?: number;
  hooks?: Partial<OrderEventHooks>;
  /** Replaces some of the test settings (e.g. a call deadline longer than the recovery's minimum age). */
  settings?: Partial<OrderSettings>;
  /**
   * Wires the real event bus as main.ts does (outbox hooks, consumer on queue `order-service`) over this
   * embedded queue file, with short polls and retry delays.
   */
  eventsFile?: string;
}

export interface OrderServiceHarness {
  url: string;
  app: OrderServiceApp;
  db: Db;
  /** Present when started with `eventsFile`. */
  bus: ServiceBus | undefined;
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
};

/** The real order-service app on port 0 with a real SQLite file, calling the given upstreams over HTTP. */
export async function startOrderService(options: HarnessOptions): Promise<OrderServiceHarness> {
  const dir = tempDir('order-service-test-');
  const { logger, lines } = captureLogger('order-service');
  const registry = createMetricsRegistry('order-service', { collectDefault: false });
  const tokens = testTokens();
  const migrations = loadMigrations(import.meta.url);
  const db = openDatabase(join(dir.path, 'order-service.db'), migrations);
  const timeoutMs = options.timeoutMs ?? 1000;
  const retries = options.retries ?? 1;
  // As main.ts: one call budget that holds every attempt (callBudgetMs's default).
  const upstream = {
    logger,
    registry,
    timeoutMs,
    retries,
    budgetMs: timeoutMs * (retries + 1),
    retryBaseMs: 1,
  };
  const clients: UpstreamClient[] = [
    createUpstreamClient({ name: 'inventory-service', baseUrl: options.inventoryUrl, ...upstream }),
    createReadWriteClient({ name: 'payment-service', baseUrl: options.paymentUrl, ...upstream }),
  ];
  const authorization = serviceAuthorization(tokens, 'order-service');
  const bus =
    options.eventsFile === undefined
      ? undefined
      : await startServiceBus({
          service: 'order-service',
          db,
          embeddedFile: options.eventsFile,
          logger,
          registry,
          pollMs: 20,
          retryDelaysMs: TEST_RETRY_DELAYS_MS,
        });
  const app = createApp({
    logger,
    registry,
    tokens,
    db,
    migrations,
    inventory: createInventoryPort(clients[0] as UpstreamClient, authorization),
    payment: createPaymentPort(clients[1] as UpstreamClient, authorization),
    settings: { ...settings, ...options.settings },
    hooks: options.hooks ?? (bus && outboxOrderEvents(bus.outbox)),
    readiness: bus && { broker: bus.readiness },
  });
  await bus?.consume({
    ...orderEventHandlers(app.shipments, logger),
    ...effectEventHandlers({ effects: app.effects, runTasks: app.runTasksFor, logger }),
  });
  const server: RunningServer = await startServer({ service: app, port: 0, host: '127.0.0.1', logger });
  return {
    url: server.url,
    app,
    db,
    bus,
    logLines: lines,
    async stop() {
      await server.stop();
      await bus?.stop();
      await Promise.all(clients.map((client) => client.close()));
      db.close();
      dir.cleanup();
    },
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
