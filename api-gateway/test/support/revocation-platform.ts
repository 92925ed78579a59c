import { randomUUID } from 'node:crypto';
import { request, startServiceForTest } from '@shop/platform/tools/testing';
import { ensureAdminAccount } from '../../../customer-service/src/domain/admin-bootstrap.js';
import { customerService } from '../../../customer-service/src/service.js';
import { inventoryService } from '../../../inventory-service/src/service.js';
import { upstreamUrlVariable } from '../../src/proxy/upstream-lanes.js';
import { startGateway, startStubs } from './gateway.js';

export const PASSWORD = 'correct-horse-battery-42';

/** What a revocation must take at most to reach the gateway and every service. */
export const REVOCATION_DEADLINE_MS = 5_000;

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface RevocationPlatform {
  /** The real customer-service (its own SQLite file): logins, logout, role, password and e-mail changes. */
  customers: string;
  /** A real data service (inventory-service, its own SQLite file) polling customer-service's feed. */
  inventory: string;
  /** The real gateway in front of both, polling the feed too. */
  gateway: string;
  stop(): Promise<void>;
  /** Registers a customer through the gateway; returns its e-mail and id. */
  register(): Promise<{ email: string; id: string }>;
  /** Creates the first admin account (as the start-up bootstrap does) and returns its e-mail and id. */
  createAdmin(): Promise<{ email: string; id: string }>;
  login(email: string, password?: string): Promise<Session>;
}

/**
 * customer-service, inventory-service and the gateway, each as main.ts runs it (startServiceForTest: real
 * HTTP, real SQLite files, real HS256 tokens); the gateway and inventory-service poll customer-service's
 * revocation feed (`REVOCATION_FEED_URL`) as in production. The other upstreams are stubs.
 */
export async function startRevocationPlatform(
  customerEnv: Record<string, string> = {},
): Promise<RevocationPlatform> {
  const started: { stop(): Promise<void> }[] = [];
  const stubs = await startStubs();
  try {
    const customers = await startServiceForTest(customerService, {
      env: {
        RATE_LIMIT_LOGIN_EMAIL_POINTS: '10000',
        RATE_LIMIT_LOGIN_IP_POINTS: '10000',
        RATE_LIMIT_REGISTER_POINTS: '10000',
        ...customerEnv,
      },
      seams: { bootstrapAdmin: false },
    });
    started.push(customers);
    const feed = `${customers.url}/internal/revocations`;
    const inventory = await startServiceForTest(inventoryService, {
      env: { SEED_DEMO_CATALOG: 'false', REVOCATION_FEED_URL: feed },
    });
    started.push(inventory);
    const gateway = await startGateway(stubs, {
      [upstreamUrlVariable('customer-service')]: customers.url,
      [upstreamUrlVariable('inventory-service')]: inventory.url,
      REVOCATION_FEED_URL: feed,
    });
    started.push(gateway);
    return platform(customers.url, customers.exposed, inventory.url, gateway.url, async () => {
      for (const service of started.reverse()) await service.stop();
      await stubs.closeAll();
    });
  } catch (error) {
    for (const service of started.reverse()) await service.stop();
    await stubs.closeAll();
    throw error;
  }
}

function platform(
  customersUrl: string,
  customerDomain: Parameters<typeof ensureAdminAccount>[0],
  inventory: string,
  gateway: string,
  stop: () => Promise<void>,
): RevocationPlatform {
  const login = async (email: string, password = PASSWORD): Promise<Session> => {
    const res = await request<Session>(gateway, 'POST', '/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    return res.body;
  };
  return {
    customers: customersUrl,
    inventory,
    gateway,
    stop,
    login,
    async register() {
      const email = `ann-${randomUUID().slice(0, 8)}@example.com`;
      const res = await request<{ id: string }>(gateway, 'POST', '/auth/register', {
        body: { name: 'Ann Example', email, password: PASSWORD },
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
      return { email, id: res.body.id };
    },
    async createAdmin() {
      const email = `admin-${randomUUID().slice(0, 8)}@shop.local`;
      const result = await ensureAdminAccount(customerDomain, { email, password: PASSWORD });
      if (!result.created) throw new Error('an admin already exists in this test database');
      return { email, id: result.admin.id };
    },
  };
}

/**
 * Asks `probe` until it answers `status`, for at most `deadlineMs`; resolves with how long that took, or
 * throws with the last status seen.
 */
export async function untilStatus(
  probe: () => Promise<{ status: number }>,
  status: number,
  deadlineMs = REVOCATION_DEADLINE_MS,
): Promise<number> {
  const start = Date.now();
  let last = 0;
  while (Date.now() - start <= deadlineMs) {
    last = (await probe()).status;
    if (last === status) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`still ${last} after ${deadlineMs} ms, expected ${status}`);
}

export function newProduct(): Record<string, unknown> {
  return {
    sku: `SKU-${randomUUID().slice(0, 8).toUpperCase()}`,
    name: 'Lamp',
    description: 'A lamp',
    priceCents: 2500,
    stock: 5,
  };
}
