import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tempDir } from '@shop/platform/testing';
import { buildAll } from '../src/index.js';

// `npm start` as a user runs it: the launcher script, every service as its own process, on ports shifted by
// SHOP_PORT_OFFSET so it never collides with a stack on the default ports.
const root = fileURLToPath(new URL('../..', import.meta.url));
const offset = 20_000 + Math.floor(Math.random() * 20_000);
const gatewayUrl = `http://127.0.0.1:${8080 + offset}`;
const customerUrl = `http://127.0.0.1:${5001 + offset}`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm start (scripts/start.mjs)', () => {
  const data = tempDir('shop-launcher-');
  let launcher: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  const pidsOf = (name: string) =>
    [...output.matchAll(new RegExp(`started ${name} \\(pid (\\d+)\\)`, 'g'))].map((match) =>
      Number(match[1]),
    );

  beforeAll(async () => {
    await buildAll();
    launcher = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: data.path,
        SHOP_PORT_OFFSET: String(offset),
        ADMIN_PASSWORD: 'Launcher-Admin-Pass-42',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    await until(
      () => output,
      (text) => text.includes('Ctrl-C stops everything') || text.includes('build failed'),
      120_000,
    );
    if (!output.includes('Ctrl-C stops everything')) throw new Error(`launcher did not come up:\n${output}`);
  }, 150_000);

  afterAll(async () => {
    // Normally the last test already stopped it; after a failure, stop it and everything it started.
    if (launcher.exitCode === null) {
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    }
    for (const match of output.matchAll(/started [\w-]+ \(pid (\d+)\)/g)) {
      const pid = Number(match[1]);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    data.cleanup();
  }, 30_000);

  test('When it has started, then every service is ready and register -> login -> me works through the gateway', async () => {
    const health = await request<{ status: string; services: Record<string, { status: string }> }>(
      gatewayUrl,
      'GET',
      '/health',
    );
    expect(health.status).toBe(200);
    expect(Object.keys(health.body.services).sort()).toEqual([
      'customer-service',
      'inventory-service',
      'notification-service',
      'order-service',
      'payment-service',
      'shipping-service',
    ]);
    const email = `launcher-${offset}@example.com`;
    const registered = await request(gatewayUrl, 'POST', '/auth/register', {
      body: { name: 'Launch Tester', email, password: 'launch-pass-2026' },
    });
    expect(registered.status).toBe(201);
    const login = await request<{ accessToken: string }>(gatewayUrl, 'POST', '/auth/login', {
      body: { email, password: 'launch-pass-2026' },
    });
    expect(login.status).toBe(200);
    const me = await request<{ email: string }>(gatewayUrl, 'GET', '/api/customers/me', {
      token: login.body.accessToken,
    });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
  });

  test('When a service crashes, then the launcher restarts it and it serves again', async () => {
    const [firstPid] = pidsOf('customer-service');
    expect(firstPid).toBeDefined();
    process.kill(firstPid as number, 'SIGKILL');
    const pids = await until(
      () => pidsOf('customer-service'),
      (list) => list.length >= 2,
      30_000,
    );
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(output).toMatch(/customer-service exited \(SIGKILL\); restarting in \d+ ms/);
    const ready = await until(
      () => request(customerUrl, 'GET', '/health/ready').catch(() => ({ status: 0 })),
      (res) => res.status === 200,
      30_000,
    );
    expect(ready.status).toBe(200);
  }, 70_000);

  test('When it gets SIGTERM, then every service stops gracefully and it exits 0', async () => {
    const children = ['customer-service', 'api-gateway'].map((name) => pidsOf(name).at(-1) as number);
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('all services stopped');
    expect(output).toMatch(/api-gateway\s+\| info\s+shutdown complete/);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  }, 40_000);
});
