import { randomUUID } from 'node:crypto';
import type { Db } from '@shop/platform/runtime';
import { request, startServiceForTest, testTokens } from '@shop/platform/tools/testing';
import { ensureAdminAccount } from '../../src/domain/admin-bootstrap.js';
import type { Customer } from '../../src/domain/customer.js';
import type { Clock } from '../../src/domain/stores.js';
import type { CustomerDependencies } from '../../src/domain/use-cases.js';
import { customerService } from '../../src/service.js';

export const STRONG_PASSWORD = 'correct-horse-battery-42';

/** Every test client is 127.0.0.1: most tests are not about the service's own budgets. */
export const RELAXED_BUDGETS: Readonly<Record<string, string>> = {
  RATE_LIMIT_LOGIN_EMAIL_POINTS: '10000',
  RATE_LIMIT_LOGIN_IP_POINTS: '10000',
  RATE_LIMIT_REGISTER_POINTS: '10000',
};

export interface RunningCustomerService {
  url: string;
  db: Db;
  domain: CustomerDependencies;
  tokens: ReturnType<typeof testTokens>;
  logLines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * customer-service as main.ts runs it (startServiceForTest), in `dataDir` (a fresh temp dir by default),
 * without the start-up admin: tests create the admins they need.
 */
export async function startCustomerService(
  options: {
    dataDir?: string;
    clock?: Clock;
    onRegistered?: (customer: Customer) => void;
    /** Environment over the test defaults; the defaults raise the brute-force and registration budgets. */
    env?: Record<string, string>;
  } = {},
): Promise<RunningCustomerService> {
  const service = await startServiceForTest(customerService, {
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    env: { ...RELAXED_BUDGETS, ...options.env },
    seams: {
      bootstrapAdmin: false,
      ...(options.clock && { clock: options.clock }),
      ...(options.onRegistered && { onRegistered: options.onRegistered }),
    },
  });
  return {
    url: service.url,
    db: service.db,
    domain: service.exposed,
    tokens: testTokens(),
    logLines: service.logLines,
    stop: () => service.stop(),
  };
}

export function newRegistration(overrides: Record<string, unknown> = {}): {
  name: string;
  email: string;
  password: string;
} & Record<string, unknown> {
  return {
    name: 'Ann Example',
    email: `ann-${randomUUID().slice(0, 8)}@example.com`,
    password: STRONG_PASSWORD,
    ...overrides,
  };
}

export interface LoginBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
}

export interface ProfileBody {
  id: string;
  name: string;
  email: string;
  role: string;
  createdAt: string;
}

export interface ErrorResponseBody {
  error: { code: string; message: string; correlationId: string; details?: unknown };
}

/** Registers a fresh customer over HTTP and logs them in. */
export async function registeredCustomer(
  url: string,
  overrides: Record<string, unknown> = {},
): Promise<{ profile: ProfileBody; session: LoginBody; email: string; password: string }> {
  const input = newRegistration(overrides);
  const registered = await request<ProfileBody>(url, 'POST', '/auth/register', { body: input });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
  const session = await login(url, input.email, input.password);
  return { profile: registered.body, session, email: input.email, password: input.password };
}

export async function login(url: string, email: string, password: string): Promise<LoginBody> {
  const response = await request<LoginBody>(url, 'POST', '/auth/login', { body: { email, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
  return response.body;
}

/** Creates the bootstrap admin with a known password and logs in as them. */
export async function adminSession(service: RunningCustomerService): Promise<LoginBody & { id: string }> {
  const email = `admin-${randomUUID().slice(0, 8)}@shop.local`;
  const result = await ensureAdminAccount(service.domain, { email, password: STRONG_PASSWORD });
  if (!result.created) throw new Error('an admin already exists in this test database');
  return { ...(await login(service.url, email, STRONG_PASSWORD)), id: result.admin.id };
}

export function countRows(db: Db, table: 'customers' | 'refresh_tokens'): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}
