import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { reachable, request, tempDir, TEST_JWT, tokenFor } from '@shop/platform/tools/testing';
import { buildGateway, GATEWAY_MAIN, gatewayProcessEnv, REPO_ROOT } from './support/built-gateway.js';
import { startStubs } from './support/gateway.js';

const root = REPO_ROOT;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await reachable(`http://${new URL(redisUrl).host}`);
const mainFile = GATEWAY_MAIN;

describe('api-gateway process', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  const dataDir = tempDir('gateway-shutdown-');

  beforeAll(async () => {
    buildGateway();
    stubs = await startStubs();
  });
  afterAll(async () => {
    await stubs.closeAll();
    dataDir.cleanup();
  });

  function startGatewayProcess(extraEnv: Record<string, string> = {}): {
    child: ChildProcess;
    url: Promise<string>;
    exitCode: Promise<number | null>;
    stderr: () => string;
    stdout: () => string[];
  } {
    const child = spawn(process.execPath, [mainFile], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ...gatewayProcessEnv(stubs, dataDir.path),
        SHUTDOWN_TIMEOUT_MS: '5000',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString('utf8');
    });
    const out: string[] = [];
    const url = new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        out.push(line);
        const parsed = JSON.parse(line) as { url?: { full?: string } };
        if (parsed.url?.full !== undefined) resolve(parsed.url.full);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
    });
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, url, exitCode, stderr: () => errors, stdout: () => out };
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

  test.skipIf(!redisUp)(
    'When REDIS_URL is set, then SIGTERM exits 0 and nothing is logged after the logger ended',
    async () => {
      const { child, url, exitCode, stderr, stdout } = startGatewayProcess({
        REDIS_URL: redisUrl,
        RATE_LIMIT_KEY_PREFIX: `shutdown-test-${process.pid}`,
        // As the launcher runs it: JSON lines to a file as well as stdout.
        LOG_FILE: join(dataDir.path, 'api-gateway.log'),
      });
      const baseUrl = await url;
      const ready = await request(baseUrl, 'GET', '/health/ready');
      expect(ready.body).toMatchObject({
        checks: { rateLimitStore: { ok: true, detail: 'redis (shared)' } },
      });

      child.kill('SIGTERM');

      expect(await exitCode).toBe(0);
      expect(stderr()).not.toContain('write after end');
      // Closing Redis on purpose is no outage: nothing may report one, before or after the logger ended.
      expect([stderr(), ...stdout()].filter((line) => line.includes('Redis unavailable'))).toEqual([]);
    },
  );

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
