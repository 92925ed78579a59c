import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCommand, tempDir, type FinishedCommand } from '@shop/platform/tools/testing';
import { buildAll } from '@shop/resilience-tests';
import type { BenchReport } from '../src/report.js';

// The bench as a command, on the paths that must not measure anything: no load leaves this process.
const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'main.js');

function bench(env: Record<string, string>): Promise<FinishedCommand> {
  return runCommand(process.execPath, [entry], { env });
}

describe('npm run bench, refusing', () => {
  const scratch = tempDir('shop-bench-cli-');
  beforeAll(() => buildAll(), 180_000);
  afterAll(() => scratch.cleanup());

  test('When BENCH_TARGETS names no target, then exit 2 naming every real one, e2e included', async () => {
    const result = await bench({ BENCH_TARGETS: 'gatway,e2e' });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'BENCH_TARGETS: no target named gatway; they are direct, bare-proxy, koa-proxy, gateway, gateway-baseline, gateway-no-tracing, gateway-traced, gateway-workers, e2e, product-cache',
    );
  });

  test('When GATEWAY_URL is not on this machine, then the e2e target is skipped with the reason and nothing is sent', async () => {
    const results = join(scratch.path, 'results.json');
    const result = await bench({
      BENCH_TARGETS: 'e2e',
      BENCH_SKIP_MICRO: 'true',
      BENCH_RESULTS: results,
      GATEWAY_URL: 'http://10.255.255.1:8080',
      ADMIN_PASSWORD: 'whatever-1234',
    });

    expect(result.code).toBe(0);
    const reason =
      'GATEWAY_URL http://10.255.255.1:8080 is not on this machine: the bench saturates what it measures, so it only runs on loopback';
    expect(result.stdout).toContain(`(e) end to end skipped: ${reason}`);
    const report = JSON.parse(readFileSync(results, 'utf8')) as BenchReport;
    expect(report.endToEnd).toEqual({ skipped: reason });
    expect(report.aims).toEqual([]);
  });
});
