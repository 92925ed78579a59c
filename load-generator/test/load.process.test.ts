import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import { adminToken, buildAll, startPlatform, type Platform } from '@shop/resilience-tests';
import type { LoadSummary } from '../src/run.js';

// `npm run load` as users type it, against a real platform: seven processes on free ports. The gateway
// keeps its own anonymous and per-customer budgets; only the per-address auth budget is raised, as
// docs/load.md tells users to, because both runs here sign up customers from 127.0.0.1 within a minute.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function npmLoad(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn('npm', ['--silent', 'run', 'load', '--', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the test can send Ctrl-C the way a terminal does: to npm and node alike.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, finished };
}

describe('npm run load against a running platform', () => {
  let platform: Platform;
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildAll();
    platform = await startPlatform({
      rateLimits: 'service-defaults',
      // Both runs sign customers up from 127.0.0.1: customer-service's own registration budget (10 an hour
      // per client by default) would be spent by the first, and the second would wait for it.
      serviceEnv: {
        'api-gateway': { RATE_LIMIT_AUTH_POINTS: '600' },
        'customer-service': { RATE_LIMIT_REGISTER_POINTS: '600' },
      },
    });
    env = {
      GATEWAY_URL: platform.gatewayUrl,
      ADMIN_EMAIL: platform.adminCredentials.email,
      ADMIN_PASSWORD: platform.adminCredentials.password,
    };
  }, 240_000);

  afterAll(async () => {
    await platform?.shutdown();
  });

  test('When it runs for its duration, then every flow happened, exit 0, and the stack holds exactly the orders and accounts it reports', async () => {
    const { finished } = npmLoad(['--rate', '30', '--duration', '6s', '--customers', '6', '--json'], env);
    const result = await finished;

    expect(result.stderr).toContain('[load] running 6 flows at a time, at most 30 requests/s');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as LoadSummary;
    expect(summary.stoppedBy).toBe('duration');
    expect(summary.errorsByCode).toEqual([]);
    for (const [flow, tally] of Object.entries(summary.flows)) {
      expect(tally.completed, flow).toBeGreaterThan(0);
      expect(tally.failed, flow).toBe(0);
    }
    expect(Object.keys(summary.flows).sort()).toEqual([
      'browse',
      'browse-anonymous',
      'cancel',
      'declined-card',
      'notifications',
      'order',
      'order-history',
      'profile',
      're-login',
      'refresh',
      'register',
    ]);
    const { outcomes } = summary;
    expect(outcomes.ordersConfirmed).toBeGreaterThan(0);
    expect(outcomes.ordersDeclined).toBeGreaterThan(0);
    expect(outcomes.ordersCancelled).toBeGreaterThan(0);

    // What the stack holds: every order the run reported, no other.
    const admin = await adminToken(platform);
    const orders = await request<{ pagination: { total: number } }>(
      platform.gatewayUrl,
      'GET',
      '/api/orders?limit=1',
      { token: admin },
    );
    const cancelled = await request<{ pagination: { total: number } }>(
      platform.gatewayUrl,
      'GET',
      '/api/orders?limit=1&status=CANCELLED',
      { token: admin },
    );
    const declined = await request<{ pagination: { total: number } }>(
      platform.gatewayUrl,
      'GET',
      '/api/payments?limit=1&status=DECLINED',
      { token: admin },
    );
    const customers = await request<{ pagination: { total: number } }>(
      platform.gatewayUrl,
      'GET',
      '/api/customers?limit=1&q=loadgen-',
      { token: admin },
    );
    expect(orders.body.pagination.total).toBe(
      outcomes.ordersConfirmed + outcomes.ordersPending + outcomes.ordersDeclined,
    );
    expect(cancelled.body.pagination.total).toBe(outcomes.ordersDeclined + outcomes.ordersCancelled);
    expect(declined.body.pagination.total).toBe(outcomes.ordersDeclined);
    expect(customers.body.pagination.total).toBe(summary.setup.customers + outcomes.customersRegistered);
  }, 120_000);

  test('When Ctrl-C arrives mid-run, then it stops early, prints the summary and exits 0', async () => {
    const { child, finished } = npmLoad(['--rate', '10', '--duration', '10m', '--customers', '4'], env);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('[load] running') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    process.kill(-(child.pid ?? 0), 'SIGINT');
    const result = await finished;

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Ctrl-C: stopping after the requests in flight');
    expect(result.stdout).toMatch(
      /Load run against http:\/\/127\.0\.0\.1:\d+: stopped by Ctrl-C after \d+\.\ds of 10m 0s/,
    );
    expect(result.stdout).toMatch(/requests [1-9]\d* \(/);
    expect(result.stdout).toContain('what users did:');
  }, 120_000);
});

describe('npm run load refuses what it should not do', () => {
  beforeAll(() => buildAll(), 180_000);

  test('When the gateway is not on this machine, then it refuses with the flag to use and sends nothing', async () => {
    const { finished } = npmLoad(['--gateway', 'http://10.255.255.1:8080', '--duration', '5s'], {
      ADMIN_PASSWORD: 'whatever-1234',
    });
    const result = await finished;

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "refusing http://10.255.255.1:8080 (from --gateway): it is not on this machine's loopback",
    );
    expect(result.stderr).toContain('--allow-remote');
  });

  test('When ADMIN_PASSWORD is missing, then it says how to give it and exits 2', async () => {
    const { finished } = npmLoad(['--gateway', 'http://127.0.0.1:9'], {});
    const result = await finished;

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set ADMIN_PASSWORD to the password of the stack');
  });

  test('When no stack answers there, then it says so and exits 1', async () => {
    const { finished } = npmLoad(['--gateway', 'http://127.0.0.1:9'], { ADMIN_PASSWORD: 'whatever-1234' });
    const result = await finished;

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no gateway answers at http://127.0.0.1:9');
  });
});
