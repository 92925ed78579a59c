import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { request, tempDir } from '@shop/platform/tools/testing';
import { runAdminCli } from '../src/cli/admin.js';
import {
  adminSession,
  registeredCustomer,
  STRONG_PASSWORD,
  startCustomerService,
  type LoginBody,
  type RunningCustomerService,
} from './support/customer-service.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function admin(argv: string[], options: { dir?: string; stdin?: string } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCli(argv, options.dir === undefined ? {} : { DATA_DIR: options.dir }, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readStdin: () => options.stdin ?? '',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run admin: recovering a lost admin password', () => {
  let data: ReturnType<typeof tempDir>;
  let service: RunningCustomerService;

  beforeEach(async () => {
    data = tempDir('admin-cli-');
    service = await startCustomerService({ dataDir: data.path });
  });
  afterEach(async () => {
    await service.stop();
    data.cleanup();
  });

  const loginStatus = async (email: string, password: string) =>
    (await request(service.url, 'POST', '/auth/login', { body: { email, password } })).status;

  test('When the only admin’s password is reset while the service runs, then a generated one works, the old one does not, and its sessions end', async () => {
    const session = await adminSession(service);
    const profile = await request<{ email: string }>(service.url, 'GET', '/api/customers/me', {
      token: session.accessToken,
    });

    const run = await admin(['reset-password'], { dir: data.path });

    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`Password reset for ${profile.body.email}`);
    expect(run.out).toContain('1 refresh token(s) revoked');
    const generated = /New password \(shown only this once: store it now\): (\S+)/.exec(run.out)?.[1] ?? '';
    expect(generated.length).toBeGreaterThanOrEqual(20);
    expect(await loginStatus(profile.body.email, STRONG_PASSWORD)).toBe(401);
    expect(await loginStatus(profile.body.email, generated)).toBe(200);
    const refresh = await request(service.url, 'POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  test('When an admin’s password is reset while the service runs, then the access tokens issued before it are refused (401), a new login’s is not', async () => {
    const session = await adminSession(service);
    const before = await request<{ email: string }>(service.url, 'GET', '/api/customers/me', {
      token: session.accessToken,
    });
    expect(before.status).toBe(200);
    expect((await request(service.url, 'GET', '/api/customers', { token: session.accessToken })).status).toBe(
      200,
    );

    const chosen = 'a-reset-passphrase-after-a-leak-9';
    const run = await admin(['reset-password', '--password-stdin'], { dir: data.path, stdin: chosen });

    expect(run.code, run.err).toBe(0);
    await expect
      .poll(
        async () =>
          (await request(service.url, 'GET', '/api/customers', { token: session.accessToken })).status,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(401);
    const fresh = await request<LoginBody>(service.url, 'POST', '/auth/login', {
      body: { email: before.body.email, password: chosen },
    });
    expect(fresh.status).toBe(200);
    expect(
      (await request(service.url, 'GET', '/api/customers', { token: fresh.body.accessToken })).status,
    ).toBe(200);
  });

  test('When a new password is piped in, then it must pass the policy: a weak one changes nothing, a strong one is set', async () => {
    const session: LoginBody & { id: string } = await adminSession(service);
    const email = (
      await request<{ email: string }>(service.url, 'GET', '/api/customers/me', {
        token: session.accessToken,
      })
    ).body.email;

    const weak = await admin(['reset-password', '--password-stdin'], {
      dir: data.path,
      stdin: 'password1\n',
    });
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/too weak \(.*too_short/);
    expect(await loginStatus(email, STRONG_PASSWORD)).toBe(200);

    const chosen = 'a-new-strong-passphrase-7';
    const strong = await admin(['reset-password', '--password-stdin', '--email', email.toUpperCase()], {
      dir: data.path,
      stdin: `${chosen}\n`,
    });
    expect(strong.code, strong.err).toBe(0);
    expect(strong.out).not.toContain(chosen);
    expect(await loginStatus(email, chosen)).toBe(200);
  });

  test('When the account is ambiguous or not an admin, then nothing changes and the message says what to give', async () => {
    const customer = await registeredCustomer(service.url);
    const none = await admin(['reset-password'], { dir: data.path });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no admin account/);

    let adminCredentials: (LoginBody & { id: string }) | undefined;
    const adminLogin = async () => adminCredentials ?? (adminCredentials = await adminSession(service));
    await adminLogin();
    const notAdmin = await admin(['reset-password', '--email', customer.email], { dir: data.path });
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.err).toContain(`${customer.email} is not an admin account`);
    expect(await loginStatus(customer.email, customer.password)).toBe(200);

    const first = await admin(['list-admins'], { dir: data.path });
    expect(first.out).toMatch(/1 admin account\(s\)/);
    const adminToken = (await adminLogin()).accessToken;
    const promoted = await request(service.url, 'PATCH', `/api/customers/${customer.profile.id}/role`, {
      token: adminToken,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    const ambiguous = await admin(['reset-password'], { dir: data.path });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toMatch(/There are 2 admins \(.*\): choose one with --email/);
    expect(await loginStatus(customer.email, customer.password)).toBe(200);
  });

  test('When asked for --help, a wrong command or a missing stack, then usage (0), bad usage (2) or a clear refusal (1)', async () => {
    const help = await admin(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('reset-password');

    expect((await admin([])).code).toBe(2);
    expect((await admin(['reset-passwords'])).err).toContain('unknown command reset-passwords');
    expect((await admin(['list-admins', '--email', 'x@y.z'])).code).toBe(2);
    expect((await admin(['reset-password', '--nope'])).err).toContain('unknown option --nope');

    const missing = await admin(['list-admins'], { dir: `${data.path}/nowhere` });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/is not a directory/);
    const empty = tempDir('admin-cli-empty-');
    try {
      const noDatabase = await admin(['list-admins'], { dir: empty.path });
      expect(noDatabase.code).toBe(1);
      expect(noDatabase.err).toMatch(/customer-service\.db does not exist: start the stack once/);
    } finally {
      empty.cleanup();
    }
  });
});
