import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { request, tempDir, TEST_JWT, tokenFor } from '@shop/platform/testing';
import { startStubs } from './support/gateway.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mainFile = `${root}api-gateway/dist/src/main.js`;

describe('api-gateway process', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  const dataDir = tempDir('gateway-shutdown-');

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/tsc.mjs', '-b', 'api-gateway'], {
      cwd: root,
      encoding: 'utf8',
    });
    // Another workspace's half-written file may fail the build while still emitting ours; only a missing
    // entry point is fatal here.
    if (!existsSync(mainFile)) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
    stubs = await startStubs();
  });
  afterAll(async () => {
    await stubs.closeAll();
    dataDir.cleanup();
  });

  function startGatewayProcess(): {
    child: ChildProcess;
    url: Promise<string>;
    exitCode: Promise<number | null>;
  } {
    const child = spawn(process.execPath, [mainFile], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir.path,
        JWT_SECRET: TEST_JWT.secret,
        JWT_ISSUER: TEST_JWT.issuer,
        JWT_AUDIENCE: TEST_JWT.audience,
        SHUTDOWN_TIMEOUT_MS: '5000',
        CUSTOMER_SERVICE_URL: stubs['customer-service'].url,
        INVENTORY_SERVICE_URL: stubs['inventory-service'].url,
        ORDER_SERVICE_URL: stubs['order-service'].url,
        PAYMENT_SERVICE_URL: stubs['payment-service'].url,
        SHIPPING_SERVICE_URL: stubs['shipping-service'].url,
        NOTIFICATION_SERVICE_URL: stubs['notification-service'].url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { url?: { full?: string } };
        if (parsed.url?.full !== undefined) resolve(parsed.url.full);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
    });
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, url, exitCode };
  }

  test('When SIGTERM arrives with slow requests in flight, then they all complete with 200 and the process exits 0', async () => {
    const { child, url, exitCode } = startGatewayProcess();
    const baseUrl = await url;
    const orders = stubs['order-service'];
    orders.answer = { status: 200, body: { data: [] }, delayMs: 800 };
    const token = tokenFor({ id: 'alice', role: 'customer' });

    const inFlight = Array.from({ length: 3 }, () => request(baseUrl, 'GET', '/api/orders', { token }));
    await vi.waitFor(() => expect(orders.callsTo('/api/orders')).toHaveLength(3), {
      timeout: 5000,
      interval: 20,
    });
    child.kill('SIGTERM');

    const responses = await Promise.all(inFlight);
    expect(responses.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(responses[0]?.body).toEqual({ data: [] });
    expect(await exitCode).toBe(0);
  });

  test('When the configuration is invalid, then it exits 1 with one line naming the variable', () => {
    const result = spawnSync(process.execPath, [mainFile], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'eighty', DATA_DIR: dataDir.path, JWT_SECRET: TEST_JWT.secret },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT');
  });
});
