import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Db } from '@shop/platform/runtime';
import { request, startServiceForTest, tokenFor } from '@shop/platform/tools/testing';
import type { Product } from '../../src/domain/product.js';
import type { ReservationHooks } from '../../src/domain/reservation.js';
import { inventoryService } from '../../src/service.js';

export interface RunningInventory {
  url: string;
  db: Db;
  /** The SQLite file. */
  file: string;
  /** Every log line so far. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** inventory-service as main.ts runs it (startServiceForTest): real HTTP, a real SQLite file, its event bus. */
export async function startInventory(
  options: {
    hooks?: Partial<ReservationHooks>;
    seedDemoCatalog?: boolean;
    /** DB_BUSY_TIMEOUT_MS, DB_LOCK_WAIT_MS, DB_WRITE_PROBE_INTERVAL_MS. */
    env?: Record<string, string>;
    /** Keep the database in this directory (left in place on close) instead of a fresh temp dir. */
    dataDir?: string;
    /** Product cache settings (docs/features/caching.md), e.g. `{ PRODUCT_CACHE_URL: redis.url }`. */
    cache?: Record<string, string>;
  } = {},
): Promise<RunningInventory> {
  const inventory = await startServiceForTest(inventoryService, {
    env: { SEED_DEMO_CATALOG: String(options.seedDemoCatalog ?? false), ...options.cache, ...options.env },
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.hooks && { seams: { hooks: options.hooks } }),
  });
  return {
    url: inventory.url,
    db: inventory.db,
    file: join(inventory.dataDir, 'inventory-service.db'),
    logs: inventory.logLines,
    close: () => inventory.stop(),
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
