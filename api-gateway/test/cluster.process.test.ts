import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tempDir, tokenFor } from '@shop/platform/tools/testing';
import { buildGateway, GATEWAY_MAIN, gatewayProcessEnv, REPO_ROOT } from './support/built-gateway.js';
import { startStubs, METRICS_READER } from './support/gateway.js';

const root = REPO_ROOT;
const mainFile = GATEWAY_MAIN;
const SHUTDOWN_TIMEOUT_MS = 5000;

/** The pids of `pid`'s child processes, from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((entry) => entry !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** One GET on a connection of its own (so node:cluster hands each to the next worker in turn). */
function getOnNewConnection(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('api-gateway with GATEWAY_WORKERS=2', () => {
  let stubs: Awaited<ReturnType<typeof startStubs>>;
  const dataDir = tempDir('gateway-cluster-');
  let gateway: { child: ChildProcess; url: string; exitCode: Promise<number | null>; output: () => string };

  beforeAll(async () => {
    buildGateway();
    stubs = await startStubs();
    const child = spawn(process.execPath, [mainFile], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        ...gatewayProcessEnv(stubs, dataDir.path),
        GATEWAY_WORKERS: '2',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        RATE_LIMIT_API_POINTS: '10',
        RATE_LIMIT_API_DURATION_SECONDS: '600',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Both workers listen (the same port) before the primary says it serves.
    const url = await new Promise<string>((resolve, reject) => {
      let found: string | undefined;
      createInterface({ input: child.stdout }).on('line', (line) => {
        output += `${line}\n`;
        const parsed = JSON.parse(line) as { url?: { full?: string }; message?: string };
        if (parsed.url?.full !== undefined) found = parsed.url.full;
        if (parsed.message === 'api-gateway serving with its workers' && found) resolve(found);
      });
      child.once('exit', (code) =>
        reject(new Error(`gateway exited with ${code} before serving:\n${output}`)),
      );
    });
    gateway = { child, url, exitCode, output: () => output };
  }, 60_000);

  afterAll(async () => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    await stubs?.closeAll();
    dataDir.cleanup();
  });

  test("When it starts, then one primary runs two workers and the rate-limit counters are the primary's", async () => {
    expect(childrenOf(gateway.child.pid ?? 0)).toHaveLength(2);
    const ready = await request(gateway.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      checks: { rateLimitStore: { ok: true, detail: 'primary process (shared by the workers)' } },
    });
  });

  test('When one customer sends 30 requests on 30 connections against a budget of 10, then exactly 10 pass, whichever worker took them', async () => {
    stubs['customer-service'].answer = { status: 200, body: { id: 'budget-customer' } };
    const token = tokenFor({ id: 'budget-customer', role: 'customer' });
    const statuses: number[] = [];
    // Sequential: each connection goes to the next worker, so each worker sees half of them.
    for (let index = 0; index < 30; index++) {
      statuses.push(await getOnNewConnection(`${gateway.url}/api/customers/me`, token));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    // Per-worker counters would have let about 10 through each worker.
    expect(stubs['customer-service'].callsTo('/api/customers/me')).toHaveLength(10);
  });

  test('When the budget is spent, then /metrics counts the refusals of both workers', async () => {
    const metrics = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_READER}` },
    }).then((res) => res.text());
    expect(metrics).toMatch(/rate_limit_rejections_total\{[^}]*limiter="api"[^}]*\} 20\b/);
  });

  test('When SIGTERM arrives, then every worker stops and the gateway exits 0 within its deadline', async () => {
    const workers = childrenOf(gateway.child.pid ?? 0);
    expect(workers).toHaveLength(2);
    const started = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1000);
    for (const pid of workers) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(gateway.output()).toContain('SIGTERM received, stopping the workers gracefully');
    expect(gateway.output()).toContain('"exitCode":0');
  });
});

describe('GATEWAY_WORKERS in the primary', () => {
  test('When it is invalid, then the gateway exits 1 with one line naming it', () => {
    const result = spawnSync(process.execPath, [mainFile], {
      cwd: root,
      env: { PATH: process.env.PATH, GATEWAY_WORKERS: 'many' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('GATEWAY_WORKERS');
  });
});
