import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createEnvelope,
  createMetricsRegistry,
  createOutbox,
  EmbeddedTransport,
  startServer,
  startServiceBus,
  type Db,
  type ServiceBus,
} from '@shop/platform';
import { captureLogger, request, tempDir, testTokens, tokenFor } from '@shop/platform/testing';
import { createApp } from '../../src/app.js';
import { openPaymentDatabase } from '../../src/data/database.js';
import type { Payment, PaymentHooks } from '../../src/domain/payment.js';
import { orderEventHandlers } from '../../src/events/order-handlers.js';

export interface RunningPayments {
  url: string;
  db: Db;
  logLines: () => Record<string, unknown>[];
  /**
   * Publishes OrderCancelled for the order on the bus (started with `withBus`) and waits until
   * payment-service has recorded it.
   */
  announceCancelled(orderId: string): Promise<void>;
  close(): Promise<void>;
}

/** The real app on a random port with a real SQLite file in a temp dir. */
export async function startPayments(
  options: {
    hooks?: Partial<PaymentHooks>;
    /** Wires the real event outbox into the payment transactions, as main.ts does. */
    withOutbox?: boolean;
    /** Wires the real event bus as main.ts does (outbox and the OrderCancelled consumer), on an embedded file. */
    withBus?: boolean;
  } = {},
): Promise<RunningPayments> {
  const dir = tempDir('payment-test-');
  const db = openPaymentDatabase(join(dir.path, 'payment-service.db'));
  const { logger, lines } = captureLogger('payment-service');
  const registry = createMetricsRegistry('payment-service', { collectDefault: false });
  const eventsFile = join(dir.path, 'events.db');
  const bus: ServiceBus | undefined = options.withBus
    ? await startServiceBus({
        service: 'payment-service',
        db,
        embeddedFile: eventsFile,
        logger,
        registry,
        pollMs: 20,
        retryDelaysMs: [50, 100],
      })
    : undefined;
  const service = createApp({
    db,
    logger,
    registry,
    tokens: testTokens(),
    hooks: options.hooks,
    ...(options.withOutbox && { outbox: createOutbox(db, { source: 'payment-service' }) }),
    ...(bus && { outbox: bus.outbox, brokerReadiness: bus.readiness }),
  });
  await bus?.consume(orderEventHandlers(service.recordOrderCancelled, logger));
  const server = await startServer({ service, port: 0, host: '127.0.0.1', logger });
  const publisher = bus
    ? new EmbeddedTransport({
        file: eventsFile,
        logger: captureLogger('order-service').logger,
        registry: createMetricsRegistry('publisher', { collectDefault: false }),
        pollMs: 20,
      })
    : undefined;
  return {
    url: server.url,
    db,
    logLines: lines,
    async announceCancelled(orderId) {
      if (!publisher) throw new Error('start the payments with withBus to publish events');
      await publisher.publish(
        createEnvelope(
          'OrderCancelled',
          { orderId, customerId: 'customer-1', reason: 'cancelled_by_customer', previousStatus: 'CONFIRMED' },
          { source: 'order-service', correlationId: `cancel-${randomUUID()}` },
        ),
      );
      const recorded = db.prepare('SELECT 1 FROM cancelled_orders WHERE order_id = ?');
      const deadline = Date.now() + 5000;
      while (recorded.get(orderId) === undefined) {
        if (Date.now() > deadline) throw new Error(`OrderCancelled for ${orderId} not recorded within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      await server.stop();
      await publisher?.close();
      await bus?.stop();
      db.close();
      dir.cleanup();
    },
  };
}

export const serviceToken = tokenFor({ id: 'service:order-service', role: 'service' });
export const adminToken = tokenFor({ id: 'admin-1', role: 'admin' });

export function customerToken(customerId: string): string {
  return tokenFor({ id: customerId, role: 'customer' });
}

export function chargeBody(overrides: Record<string, unknown> = {}) {
  return {
    orderId: randomUUID(),
    customerId: `customer-${randomUUID()}`,
    amountCents: 8999,
    currency: 'USD',
    token: 'tok_visa',
    ...overrides,
  };
}

/** Charges through the internal API as order-service does. */
export function charge(url: string, body: Record<string, unknown>, token = serviceToken) {
  return request<Payment>(url, 'POST', '/internal/payments', { token, body });
}

export function storedRows(db: Db, orderId: string): { status: string }[] {
  return db
    .prepare<[string], { status: string }>('SELECT status FROM payments WHERE order_id = ?')
    .all(orderId);
}

/** One series of a counter in /metrics, e.g. metric(url, 'payment_refunds_total', { reason: 'manual' }). */
export async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return Number.NaN;
}

export function paymentsMetric(url: string, outcome: string): Promise<number> {
  return metric(url, 'payments_total', { outcome });
}
