import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createEnvelope, createMetricsRegistry, EmbeddedTransport, type Db } from '@shop/platform/runtime';
import { captureLogger, request, startServiceForTest, tokenFor } from '@shop/platform/tools/testing';
import type { Payment, PaymentHooks } from '../../src/domain/payment.js';
import { paymentService } from '../../src/service.js';

export interface RunningPayments {
  url: string;
  db: Db;
  logLines: () => Record<string, unknown>[];
  /** Publishes OrderCancelled on the service's embedded bus and waits until payment-service has recorded it. */
  announceCancelled(orderId: string): Promise<void>;
  close(): Promise<void>;
}

/** payment-service as main.ts runs it (startServiceForTest): real HTTP, a real SQLite file, its event bus. */
export async function startPayments(
  options: { hooks?: Partial<PaymentHooks> } = {},
): Promise<RunningPayments> {
  const payments = await startServiceForTest(paymentService, {
    ...(options.hooks && { seams: { hooks: options.hooks } }),
  });
  const { db } = payments;
  const publisher = new EmbeddedTransport({
    file: join(payments.dataDir, 'events.db'),
    logger: captureLogger('order-service').logger,
    registry: createMetricsRegistry('publisher', { collectDefault: false }),
    pollMs: 20,
  });
  return {
    url: payments.url,
    db,
    logLines: payments.logLines,
    async announceCancelled(orderId) {
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
      await publisher.close();
      await payments.stop();
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
