import { afterEach, describe, expect, test } from 'vitest';
import { request, tempDir, testTokens } from '@shop/platform/tools/testing';
import {
  newRegistration,
  registeredCustomer,
  startCustomerService,
  type RunningCustomerService,
} from '../support/customer-service.js';

/** The service's own defaults, not the relaxed test budgets: this is what an attacker meets. */
const DEFAULT_BUDGETS = {
  RATE_LIMIT_LOGIN_EMAIL_POINTS: '5',
  RATE_LIMIT_LOGIN_IP_POINTS: '20',
  RATE_LIMIT_REGISTER_POINTS: '10',
};

describe('Attack: brute force and mass registration straight to customer-service, bypassing the gateway', () => {
  const running: RunningCustomerService[] = [];
  const dirs: { cleanup(): void }[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    for (const dir of dirs.splice(0)) dir.cleanup();
  });
  async function start(env: Record<string, string> = {}, dataDir?: string) {
    const service = await startCustomerService({
      env: { ...DEFAULT_BUDGETS, ...env },
      ...(dataDir !== undefined && { dataDir }),
    });
    running.push(service);
    return service;
  }

  test('When 30 wrong passwords are sent for one account, then after 5 the answer is 429 with Retry-After, and even the right password waits', async () => {
    const service = await start({ RATE_LIMIT_REGISTER_POINTS: '100' });
    const victim = await registeredCustomer(service.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await request(service.url, 'POST', '/auth/login', {
        body: { email: victim.email, password: `Wrong-guess-${attempt}` },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(800);
    const right = await request(service.url, 'POST', '/auth/login', {
      body: { email: victim.email, password: victim.password },
    });
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ error: { code: 'rate_limited' } });
  });

  test('When one client tries many accounts, then after 20 failures its address is refused, whatever e-mail it tries', async () => {
    const service = await start();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 25; attempt++) {
      const res = await request(service.url, 'POST', '/auth/login', {
        body: { email: `spray-${attempt}@example.com`, password: 'Password-123' },
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.slice(20).every((status) => status === 429)).toBe(true);
  });

  test('When the attacker forges X-Forwarded-Client and rotates X-Forwarded-For to look like many clients, then they are ignored: still one client', async () => {
    const service = await start();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 22; attempt++) {
      const res = await request(service.url, 'POST', '/auth/login', {
        body: { email: `forged-${attempt}@example.com`, password: 'Password-123' },
        headers: {
          'x-forwarded-client': `203.0.113.${attempt};not-a-signature`,
          'x-forwarded-for': `203.0.113.${attempt}`,
        },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  test('When the gateway vouches for different clients (signed X-Forwarded-Client), then each client has its own budget', async () => {
    const service = await start();
    const gatewayTokens = testTokens();
    for (let attempt = 0; attempt < 20; attempt++) {
      await request(service.url, 'POST', '/auth/login', {
        body: { email: `a-${attempt}@example.com`, password: 'Password-123' },
        headers: { 'x-forwarded-client': gatewayTokens.signClientAddress('198.51.100.1') },
      });
    }
    const first = await request(service.url, 'POST', '/auth/login', {
      body: { email: 'a-last@example.com', password: 'Password-123' },
      headers: { 'x-forwarded-client': gatewayTokens.signClientAddress('198.51.100.1') },
    });
    const other = await request(service.url, 'POST', '/auth/login', {
      body: { email: 'b-first@example.com', password: 'Password-123' },
      headers: { 'x-forwarded-client': gatewayTokens.signClientAddress('198.51.100.2') },
    });
    expect(first.status).toBe(429);
    expect(other.status).toBe(401);
  });

  test('When two replicas share the database, then failures at one count at the other', async () => {
    const dir = tempDir('customer-replicas-');
    dirs.push(dir);
    const one = await start({ RATE_LIMIT_REGISTER_POINTS: '100' }, dir.path);
    const two = await start({ RATE_LIMIT_REGISTER_POINTS: '100' }, dir.path);
    const victim = await registeredCustomer(one.url);
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = attempt % 2 === 0 ? one : two;
      const res = await request(at.url, 'POST', '/auth/login', {
        body: { email: victim.email, password: `Wrong-guess-${attempt}` },
      });
      expect(res.status).toBe(401);
    }
    const sixth = await request(two.url, 'POST', '/auth/login', {
      body: { email: victim.email, password: 'Wrong-guess-6' },
    });
    expect(sixth.status).toBe(429);
  });

  test('When a correct login follows a few failures, then it succeeds and clears the e-mail budget', async () => {
    const service = await start({ RATE_LIMIT_REGISTER_POINTS: '100' });
    const user = await registeredCustomer(service.url);
    for (let attempt = 0; attempt < 4; attempt++) {
      await request(service.url, 'POST', '/auth/login', {
        body: { email: user.email, password: 'Wrong-1234' },
      });
    }
    const ok = await request(service.url, 'POST', '/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(ok.status).toBe(200);
    for (let attempt = 0; attempt < 4; attempt++) {
      const res = await request(service.url, 'POST', '/auth/login', {
        body: { email: user.email, password: 'Wrong-1234' },
      });
      expect(res.status).toBe(401);
    }
  });

  test('When 40 registrations come in a row from one client, then the first 10 get 201 and the rest 429 with Retry-After, creating nothing', async () => {
    const service = await start();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = await request(service.url, 'POST', '/auth/register', { body: newRegistration() });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.slice(10).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const count = service.db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number };
    expect(count.n).toBe(10);
  });
});
