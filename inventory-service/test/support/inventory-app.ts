import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createMetricsRegistry,
  createOutbox,
  startServer,
  type DatabaseSettings,
  type Db,
} from '@shop/platform';
import { captureLogger, request, tempDir, testTokens, tokenFor } from '@shop/platform/testing';
import { createApp } from '../../src/app.js';
import { openInventoryDatabase } from '../../src/data/database.js';
import { seedDemoCatalog } from '../../src/data/demo-catalog.js';
import type { Product } from '../../src/domain/product.js';
import type { ReservationHooks } from '../../src/domain/reservation.js';

export interface RunningInventory {
  url: string;
  db: Db;
  /** The SQLite file. */
  file: string;
  close(): Promise<void>;
}

/** The real app on a random port with a real SQLite file in a temp dir. */
export async function startInventory(
  options: {
    hooks?: Partial<ReservationHooks>;
    seedDemoCatalog?: boolean;
    /** Wires the real event outbox into the stock transactions, as main.ts does. */
    withOutbox?: boolean;
    /** DB_BUSY_TIMEOUT_MS, DB_LOCK_WAIT_MS, DB_WRITE_PROBE_INTERVAL_MS as main.ts passes them. */
    database?: DatabaseSettings;
    /** Keep the database in this directory (left in place on close) instead of a fresh temp dir. */
    dataDir?: string;
  } = {},
): Promise<RunningInventory> {
  const dir = options.dataDir
    ? { path: options.dataDir, cleanup: () => undefined }
    : tempDir('inventory-test-');
  const file = join(dir.path, 'inventory-service.db');
  const db = openInventoryDatabase(file, options.database);
  if (options.seedDemoCatalog) seedDemoCatalog(db);
  const { logger } = captureLogger('inventory-service');
  const registry = createMetricsRegistry('inventory-service', { collectDefault: false });
  const service = createApp({
    db,
    logger,
    registry,
    tokens: testTokens(),
    hooks: options.hooks,
    ...(options.withOutbox && { outbox: createOutbox(db, { source: 'inventory-service' }) }),
  });
  const server = await startServer({ service, port: 0, host: '127.0.0.1', logger });
  return {
    url: server.url,
    db,
    file,
    async close() {
      await server.stop();
      db.close();
      dir.cleanup();
    },
  };
}

export const adminToken = tokenFor({ id: 'admin-1', role: 'admin' });
export const customerToken = tokenFor({ id: 'customer-1', role: 'customer' });
export const serviceToken = tokenFor({ id: 'service:order-service', role: 'service' });

export function uniqueSku(): string {
  return `T-${randomUUID().slice(0, 13)}`;
}

/** Creates a product through the admin API; every call gets its own SKU. */
export async function createProduct(url: string, overrides: Record<string, unknown> = {}): Promise<Product> {
  const res = await request<Product>(url, 'POST', '/api/products', {
    token: adminToken,
    body: {
      sku: uniqueSku(),
      name: 'Test product',
      description: 'A product made by a test',
      priceCents: 1000,
      stock: 10,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`createProduct failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function stockOf(url: string, productId: number): Promise<number> {
  const res = await request<Product>(url, 'GET', `/api/products/${productId}`);
  if (res.status !== 200) throw new Error(`stockOf failed: ${res.status}`);
  return res.body.stock;
}
