import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, runCommand, tempDir, type FinishedCommand } from '@shop/platform/tools/testing';
import { buildAll } from '../src/index.js';

// `npm start` as a user runs it: the launcher script, every service as its own process, on ports shifted by
// SHOP_PORT_OFFSET so it never collides with a stack on the default ports.
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Whether a port on 127.0.0.1 can be bound right now. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * An offset whose seven ports are all free now, away from `taken`. Its ports (10001..14999) stay below the
 * kernel's ephemeral range (32768 and up by default), where any process's outgoing connection may take a port
 * between this check and the service's listen (an inventory-service once failed EADDRINUSE on port 34864 that
 * way), and below the band `freePorts` picks from (15000 up), where the platforms other test files start at
 * the same time take theirs (an api-gateway of live-prometheus.test.ts failed EADDRINUSE in a CI run when
 * this test's offsets reached into that band).
 */
async function freeOffsetBesides(taken: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 5_000 + Math.floor(Math.random() * 1_900); // ports 10001..14979
    if (Math.abs(candidate - taken) < 10) continue;
    const ports = [8080, 5001, 5002, 5003, 5004, 5005, 5006].map((port) => port + candidate);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return candidate;
  }
  throw new Error('no offset with seven free ports found');
}

const offset = await freeOffsetBesides(-100);
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

/** Runs a command of this repository to completion, as a user would from its root. */
function run(args: string[], env: Record<string, string>): Promise<FinishedCommand> {
  return runCommand(process.execPath, args, { cwd: root, env });
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
    // Anonymous callers get {status} only; the admin sees every service.
    const anonymous = await request<Record<string, unknown>>(gatewayUrl, 'GET', '/health');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ok' });
    const adminLogin = await request<{ accessToken: string }>(gatewayUrl, 'POST', '/auth/login', {
      body: { email: 'admin@shop.local', password: 'Launcher-Admin-Pass-42' },
    });
    expect(adminLogin.status).toBe(200);
    const health = await request<{ status: string; services: Record<string, { status: string }> }>(
      gatewayUrl,
      'GET',
      '/health',
      { token: adminLogin.body.accessToken },
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

  test('When it is ready, then it prints the export line and DATA_DIR/stack.json names the gateway, data and transport', () => {
    expect(output).toContain(`[launcher] export GW=${gatewayUrl} DATA_DIR=${data.path}\n`);
    const stack = JSON.parse(readFileSync(join(data.path, 'stack.json'), 'utf8')) as Record<string, unknown>;
    expect(stack).toMatchObject({
      gatewayUrl,
      dataDir: data.path,
      logsDir: join(data.path, 'logs'),
      transport: { kind: 'embedded', file: join(data.path, 'events.db') },
      portOffset: offset,
      launcherPid: launcher.pid,
    });
    expect((stack.services as Record<string, string>)['customer-service']).toBe(customerUrl);
  });

  test('When a second launcher meets the running stack, then it refuses before starting anything, says why and what to do, and exits 1', async () => {
    const second = await run(['scripts/start.mjs'], {
      DATA_DIR: data.path,
      SHOP_PORT_OFFSET: String(offset),
      ADMIN_PASSWORD: 'Second-Admin-Pass-42',
    });

    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('[launcher] cannot start:');
    expect(second.stderr).toContain(
      `${data.path} is the data directory of the stack running at ${gatewayUrl} (launcher pid ${launcher.pid})`,
    );
    expect(second.stderr).toContain(
      `port ${8080 + offset} (api-gateway) on 127.0.0.1: a shop-platform gateway answers there`,
    );
    expect(second.stderr).toContain(`port ${5001 + offset} (customer-service) on 127.0.0.1: in use`);
    expect(second.stderr).toMatch(/run this one beside it: SHOP_PORT_OFFSET=\d+ DATA_DIR=\S+ npm start/);
    expect(second.stderr).not.toMatch(/started|password|building/);
    const stack = JSON.parse(readFileSync(join(data.path, 'stack.json'), 'utf8')) as { launcherPid: number };
    expect(stack.launcherPid).toBe(launcher.pid);
  });

  test('When a second launcher has free ports but the same data directory, then it refuses too', async () => {
    const second = await run(['scripts/start.mjs'], {
      DATA_DIR: data.path,
      SHOP_PORT_OFFSET: String(await freeOffsetBesides(offset)),
    });

    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `${data.path} is the data directory of the stack running at ${gatewayUrl}`,
    );
    expect(second.stderr).toContain('give this one its own: DATA_DIR=<dir> npm start');
    expect(second.stderr).not.toContain('port ');
  });

  test('When a request went through, then the console shows its whole correlation ID, and npm run trace finds it from a prefix through DATA_DIR', async () => {
    const response = await fetch(`${gatewayUrl}/api/products`);
    const correlationId = response.headers.get('x-correlation-id') ?? '';
    await response.arrayBuffer();
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    // The gateway logs its access line last, once it has answered.
    const gatewayLine = new RegExp(`api-gateway\\s+\\| info\\s+GET /api/products 200 \\[${correlationId}\\]`);
    expect(
      await until(
        () => output,
        (text) => gatewayLine.test(text),
        10_000,
      ),
    ).toMatch(gatewayLine);

    const trace = await until(
      () => run(['platform/dist/src/cli/trace.js', correlationId.slice(0, 8)], { DATA_DIR: data.path }),
      (result) => result.code === 0,
      10_000,
    );

    expect(trace.stderr).toBe('');
    expect(trace.stdout).toContain(`Request ${correlationId}: `);
    expect(trace.stdout).toMatch(/inventory-service\s+info\s+[\d.]+ ms\s+GET \/api\/products 200/);
  });

  test('When npm run events is pointed at the stack with --dir, then it reads its queue file and knows its queues', async () => {
    const listed = await run(
      ['platform/dist/src/cli/events.js', 'dead-letters', 'list', 'shipping-service', '--dir', data.path],
      {},
    );
    const unknown = await run(
      ['platform/dist/src/cli/events.js', 'dead-letters', 'list', 'shiping-service', '--dir', data.path],
      {},
    );

    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toBe(
      `no dead letters on shipping-service (the embedded queue file ${join(data.path, 'events.db')})\n`,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('events: no queue named shiping-service');
    expect(unknown.stderr).toMatch(/Its queues: .*shipping-service/);
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
