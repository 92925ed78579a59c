import { freePort } from '@shop/platform/tools';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childPids, cpuMicrosOf } from './e2e/process-stats.js';
import type { TargetSpec } from './target-spec.js';

export interface TargetProcess {
  url: string;
  /** The target process's own CPU time so far (user + system, µs). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./serve-target.js', import.meta.url));
const NO_TRACING = new URL('./targets/no-tracing/register.js', import.meta.url).href;

/**
 * What every target started here needs: its stderr collected (for the error that says why it did not start)
 * and a stop that sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the process is gone.
 */
export function watchChild(
  child: ChildProcess,
  graceMs = 5000,
): { stderr: () => string; stop: () => Promise<void> } {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(force);
    }
  };
  return { stderr: () => stderr, stop };
}

/** Starts serve-target.js in its own process and resolves with the URL it printed once listening. */
export function startTargetProcess(spec: TargetSpec, timeoutMs = 15_000): Promise<TargetProcess> {
  const hooks = spec.kind === 'gateway' && spec.withoutTracingCode === true ? ['--import', NO_TRACING] : [];
  const child: ChildProcess = spawn(process.execPath, [...hooks, ENTRY, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const { stderr, stop } = watchChild(child);
  const cpuMicros = () =>
    new Promise<number>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        const usage = (message as { cpuUsage?: NodeJS.CpuUsage } | null)?.cpuUsage;
        if (usage === undefined) return;
        child.off('message', onMessage);
        resolve(usage.user + usage.system);
      };
      child.on('message', onMessage);
      child.send('cpu-usage', (error) => {
        if (error === null) return;
        child.off('message', onMessage);
        reject(error);
      });
    });
  return new Promise<TargetProcess>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${spec.kind} did not start within ${timeoutMs} ms: ${stderr().trim()}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        const { url } = JSON.parse(stdout.slice(0, newline)) as { url: string };
        resolve({ url, cpuMicros, stop });
      } catch (error) {
        void stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${spec.kind} exited (${signal ?? `code ${code}`}) before listening: ${stderr().trim()}`),
      );
    });
  });
}

/**
 * The real api-gateway (its dist/src/main.js) started as a user would, with GATEWAY_WORKERS=`workers`: a
 * primary and its workers. It counts as started once /health/ready answers 200 and, with workers, the
 * primary has logged (to LOG_FILE) that all of them listen. CPU is that of the primary and every worker,
 * from /proc.
 */
export async function startGatewayMainProcess(options: {
  mainFile: string;
  workers: number;
  env: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
}): Promise<TargetProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [options.mainFile], {
    env: {
      PATH: process.env.PATH ?? '',
      ...options.env,
      GATEWAY_WORKERS: String(options.workers),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_FILE: options.logFile,
      LOG_TO_CONSOLE: 'false',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { stderr, stop } = watchChild(child, 12_000);
  const pid = child.pid ?? 0;
  const cpuMicros = () =>
    Promise.resolve([pid, ...childPids(pid)].reduce((sum, each) => sum + (cpuMicrosOf(each) ?? 0), 0));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`api-gateway exited before serving: ${stderr().trim()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`api-gateway did not start in time: ${stderr().trim()}`);
    }
    const ready = await fetch(`${url}/health/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    const serving =
      options.workers <= 1 ||
      (existsSync(options.logFile) &&
        readFileSync(options.logFile, 'utf8').includes('api-gateway serving with its workers'));
    if (ready && serving) return { url, cpuMicros, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { freePort };
