import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '@shop/platform/runtime';
import { request, startServiceForTest, tempDir } from '@shop/platform/tools/testing';
import { announceGeneratedAdmin } from '../src/admin-announcement.js';
import { ensureAdminAccount } from '../src/domain/admin-bootstrap.js';
import { passwordViolations } from '../src/domain/password-policy.js';
import { customerService } from '../src/service.js';
import {
  login,
  registeredCustomer,
  startCustomerService,
  STRONG_PASSWORD,
  type ProfileBody,
} from './support/customer-service.js';

describe('Admin bootstrap', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  function dataDir(): string {
    const dir = tempDir('customer-bootstrap-');
    dirs.push(dir);
    return dir.path;
  }

  const admins = (service: Awaited<ReturnType<typeof startCustomerService>>) =>
    service.db.prepare("SELECT id, email FROM customers WHERE role = 'admin'").all() as {
      id: string;
      email: string;
    }[];

  test('When no admin exists and no password is configured, then one admin is created with a strong generated password that logs in', async () => {
    const service = await startCustomerService({ dataDir: dataDir() });
    try {
      const result = await ensureAdminAccount(service.domain, { email: 'Admin@Shop.Local' });

      expect(result.created).toBe(true);
      if (!result.created || result.generatedPassword === undefined)
        throw new Error('expected a generated password');
      expect(passwordViolations(result.generatedPassword, { email: 'admin@shop.local' })).toEqual([]);
      expect(admins(service)).toEqual([{ id: result.admin.id, email: 'admin@shop.local' }]);
      const session = await login(service.url, 'admin@shop.local', result.generatedPassword);
      const me = await request<ProfileBody>(service.url, 'GET', '/api/customers/me', {
        token: session.accessToken,
      });
      expect(me.body.role).toBe('admin');
      expect(JSON.stringify(service.logLines())).not.toContain(result.generatedPassword);
    } finally {
      await service.stop();
    }
  });

  test('When the service restarts on the same database, then no second admin is created and the first still logs in', async () => {
    const dir = dataDir();
    const first = await startCustomerService({ dataDir: dir });
    const created = await ensureAdminAccount(first.domain, {
      email: 'admin@shop.local',
      password: STRONG_PASSWORD,
    });
    await first.stop();

    const second = await startCustomerService({ dataDir: dir });
    try {
      const again = await ensureAdminAccount(second.domain, { email: 'admin@shop.local' });
      const otherEmail = await ensureAdminAccount(second.domain, { email: 'other-admin@shop.local' });

      expect(created.created).toBe(true);
      expect(again).toEqual({ created: false });
      expect(otherEmail).toEqual({ created: false });
      expect(admins(second)).toHaveLength(1);
      await expect(login(second.url, 'admin@shop.local', STRONG_PASSWORD)).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    } finally {
      await second.stop();
    }
  });

  test('When ADMIN_PASSWORD is weak, then a ConfigError and no admin', async () => {
    const service = await startCustomerService({ dataDir: dataDir() });
    try {
      await expect(
        ensureAdminAccount(service.domain, { email: 'admin@shop.local', password: 'admin' }),
      ).rejects.toThrow(ConfigError);
      expect(admins(service)).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  test('When ADMIN_EMAIL belongs to a registered customer, then a ConfigError and that customer is not promoted', async () => {
    const service = await startCustomerService({ dataDir: dataDir() });
    try {
      const { email, profile } = await registeredCustomer(service.url);
      await expect(ensureAdminAccount(service.domain, { email: email.toUpperCase() })).rejects.toThrow(
        /ADMIN_EMAIL/,
      );
      const row = service.db.prepare('SELECT role FROM customers WHERE id = ?').get(profile.id) as {
        role: string;
      };
      expect(row.role).toBe('customer');
      expect(admins(service)).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  test('When a generated password is announced, then one framed block carries the exact credentials line', () => {
    let printed = '';
    announceGeneratedAdmin('admin@shop.local', 'S3cret-generated', (text) => {
      printed += text;
    });
    const lines = printed.split('\n');
    expect(
      lines.filter((line) =>
        line.includes('Admin account created: email=admin@shop.local password=S3cret-generated'),
      ),
    ).toHaveLength(1);
    expect(lines.filter((line) => /^=+$/.test(line))).toHaveLength(2);
  });

  test('When the service starts with ADMIN_EMAIL and ADMIN_PASSWORD, then that admin exists once, logs in, and a restart keeps it', async () => {
    const dir = dataDir();
    const env = { ADMIN_EMAIL: 'boss@shop.local', ADMIN_PASSWORD: STRONG_PASSWORD };
    const first = await startServiceForTest(customerService, { dataDir: dir, env });
    try {
      const session = await login(first.url, 'boss@shop.local', STRONG_PASSWORD);
      expect(session.accessToken).toBeTruthy();
      expect(
        first.logLines().some((line) => line.message === 'admin account created from ADMIN_PASSWORD'),
      ).toBe(true);
    } finally {
      await first.stop();
    }
    const second = await startServiceForTest(customerService, { dataDir: dir, env });
    try {
      const rows = second.db.prepare("SELECT email FROM customers WHERE role = 'admin'").all();
      expect(rows).toEqual([{ email: 'boss@shop.local' }]);
    } finally {
      await second.stop();
    }
  });
});
