import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TargetSpec } from './target-spec.js';

export interface TargetProcess {
  url: string;
  /** The target process's own CPU time so far (user + system, µs). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./serve-target.js', import.meta.url));

/** Starts serve-target.js in its own process and resolves with the URL it printed once listening. */
export function startTargetProcess(spec: TargetSpec, timeoutMs = 15_000): Promise<TargetProcess> {
  const child: ChildProcess = spawn(process.execPath, [ENTRY, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
  };
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
      reject(new Error(`${spec.kind} did not start within ${timeoutMs} ms: ${stderr.trim()}`));
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
        new Error(`${spec.kind} exited (${signal ?? `code ${code}`}) before listening: ${stderr.trim()}`),
      );
    });
  });
}
