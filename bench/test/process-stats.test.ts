import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '@shop/platform/tools/testing';
import { childServices, cpuMicrosOf, procAvailable, rssBytesOf } from '../src/e2e/process-stats.js';

// Real processes read through /proc, the way the end-to-end target finds and measures a launcher's services.
describe.runIf(procAvailable())('process figures from /proc', () => {
  const dir = tempDir('shop-bench-proc-');
  let child: ChildProcess;

  beforeAll(async () => {
    const entry = join(dir.path, 'order-service', 'dist', 'src', 'main.js');
    mkdirSync(join(dir.path, 'order-service', 'dist', 'src'), { recursive: true });
    writeFileSync(entry, "process.stdout.write('ready\\n'); setInterval(() => {}, 1000);\n");
    child = spawn(process.execPath, [entry], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout?.once('data', resolve));
  });

  afterAll(() => {
    child.kill('SIGKILL');
    dir.cleanup();
  });

  test("When a parent runs a service's entry point, then it is found by name among the parent's children", () => {
    const found = childServices(process.pid, ['api-gateway', 'order-service']);

    expect([...found.entries()]).toEqual([['order-service', child.pid]]);
    expect(childServices(child.pid ?? 0, ['order-service']).size).toBe(0);
  });

  test('When a live process is read, then its CPU time and resident memory are figures; a gone one has none', () => {
    expect(cpuMicrosOf(process.pid)).toBeGreaterThan(0);
    expect(rssBytesOf(child.pid ?? 0)).toBeGreaterThan(1024 * 1024);
    expect(cpuMicrosOf(2 ** 22 + 1)).toBeUndefined();
    expect(rssBytesOf(2 ** 22 + 1)).toBeUndefined();
  });
});
