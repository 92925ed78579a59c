import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createMetricsRegistry, createOutbox, startServer, type Db } from '@shop/platform';
import { captureLogger, request, tempDir, testTokens, tokenFor } from '@shop/platform/testing';
import { createApp } from '../../src/app.js';
import { openPaymentDatabase } from '../../src/data/database.js';
import type { Payment, PaymentHooks } from '../../src/domain/payment.js';

export interface RunningPayments {
  url: string;
  db: Db;
  close(): Promise<void>;
}

/** The real app on a random port with a real SQLite file in a temp dir. */
export async function startPayments(
  options: {
    hooks?: Partial<PaymentHooks>;
    /** Wires the real event outbox into the payment transactions, as main.ts does. */
    withOutbox?: boolean;
  } = {},
): Promise<RunningPayments> {
  const dir = tempDir('payment-test-');
  const db = openPaymentDatabase(join(dir.path, 'payment-service.db'));
  const { logger } = captureLogger('payment-service');
  const registry = createMetricsRegistry('payment-service', { collectDefault: false });
  const service = createApp({
    db,
    logger,
    registry,
    tokens: testTokens(),
    hooks: options.hooks,
    ...(options.withOutbox && { outbox: createOutbox(db, { source: 'payment-service' }) }),
  });
  const server = await startServer({ service, port: 0, host: '127.0.0.1', logger });
  return {
    url: server.url,
    db,
    async close() {
      await server.stop();
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

export async function paymentsMetric(url: string, outcome: string): Promise<number> {
  const text = (await request<string>(url, 'GET', '/metrics')).body;
  const match = new RegExp(`^payments_total\\{outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}
