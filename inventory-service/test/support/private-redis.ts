import { freePort } from '@shop/platform/tools';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { reachable } from '@shop/platform/tools/testing';

/** A redis-server of the test's own (never the shared one), so that the test may stop, pause and kill it. */
export interface PrivateRedis {
  url: string;
  pid: number;
  /** SIGSTOP: the connection stays open and commands get no answer (a hung Redis). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Ends the server (SIGKILL) and waits until the port is closed. */
  kill(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts redis-server on a free loopback port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor(() => reachable(url, 200), `redis-server on port ${port}`);
  const pid = child.pid as number;
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    url,
    pid,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    async kill() {
      if (!exited) {
        process.kill(pid, 'SIGKILL');
        await waitFor(() => Promise.resolve(exited), 'redis-server to exit');
      }
    },
  };
}
