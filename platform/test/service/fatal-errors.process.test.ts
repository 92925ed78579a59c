import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildForProcessTest, tempDir } from '../../src/testing/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const mainFile = `${root}platform/dist/test/fixtures/crash-service/main.js`;

interface Run {
  code: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

/**
 * Runs the crash service as its own process; `act(url)` once it listens, or `onLine(line, child)` for each JSON
 * log line. Resolves when the process exits.
 */
function runCrashService(
  mode: string,
  act?: (url: string) => Promise<void>,
  extraEnv: Record<string, string> = {},
  onLine?: (line: Record<string, unknown>, child: ChildProcess) => void,
): Promise<Run> {
  const dir = tempDir('crash-service-');
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [mainFile], {
      env: {
        ...process.env,
        CRASH_MODE: mode,
        DATA_DIR: dir.path,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        REVOCATION_FEED_URL: '',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let acted = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      for (const line of text.split('\n').filter((candidate) => candidate.startsWith('{')))
        onLine?.(JSON.parse(line) as Record<string, unknown>, child);
      const listening = /listening on (http:\/\/[^"\s]+)/.exec(stdout);
      if (listening?.[1] && act && !acted) {
        acted = true;
        act(listening[1]).catch(reject);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('exit', (code) => {
      clearTimeout(timer);
      dir.cleanup();
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}

describe('A service process on a fatal error', () => {
  beforeAll(() => {
    buildForProcessTest(root, 'platform', mainFile);
  }, 120_000);

  test('When a timer throws during a request, then the exception is logged with error.* fields and the request’s correlation ID, and the process exits 1', async () => {
    const run = await runCrashService('none', async (url) => {
      const response = await fetch(`${url}/crash`, { headers: { 'x-correlation-id': 'fatal-corr-1' } });
      expect(response.status).toBe(202);
    });
    expect(run.code).toBe(1);
    const fatal = run.lines.find((line) => line.message === 'uncaught exception, exiting');
    expect(fatal, JSON.stringify(run.lines)).toMatchObject({
      'log.level': 'error',
      'service.name': 'crash-service',
      error: { type: 'TypeError', message: 'thrown on purpose' },
    });
    expect((fatal?.error as { stack_trace?: string } | undefined)?.stack_trace).toContain(
      'crash-service/main.js',
    );
    expect(fatal?.correlationId).toBe('fatal-corr-1');
  });

  test('When SIGTERM arrives while start-up hangs, then the process exits 0 by the configured SHUTDOWN_TIMEOUT_MS, not the default', async () => {
    const run = await runCrashService(
      'hang-on-start',
      undefined,
      { SHUTDOWN_TIMEOUT_MS: '1000' },
      (line, child) => {
        if (line.message === 'start-up hangs on purpose') child.kill('SIGTERM');
      },
    );
    expect(run.code).toBe(0);
    // The start-up watchdog's line (stderr: the logger may be what hangs); it names the deadline it kept.
    const watchdog = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'shutdown deadline reached, exiting now');
    expect(watchdog, run.stderr).toMatchObject({ 'service.name': 'crash-service', timeoutMs: 1000 });
  });

  test('When a promise rejection is not handled, then it is logged with error.* fields and the process exits 1', async () => {
    const run = await runCrashService('rejection');
    expect(run.code).toBe(1);
    expect(run.lines.find((line) => line.message === 'unhandled promise rejection, exiting')).toMatchObject({
      'log.level': 'error',
      error: { type: 'Error', message: 'rejected on purpose' },
    });
  });
});
