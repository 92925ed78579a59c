import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How a command run by `runCommand` ended, with everything it printed. */
export interface FinishedCommand {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion as a user would start it from a shell: only PATH and HOME are inherited, plus
 * `env`; stdin is closed and the output collected. After `timeoutMs` (if given) it is killed with SIGKILL
 * and resolves with code null.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FinishedCommand> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': the output can still be in the pipes when the process has exited.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Builds `project` (and what it references) with the repository's `node scripts/tsc.mjs -b`, for a test that
 * runs the output as a process. Another workspace's half-written file may fail the build while still emitting
 * this one's, so only a missing `entry` (the file the test runs) is fatal: it throws with the compiler's output.
 */
export function buildForProcessTest(repoRoot: string, project: string, entry: string): void {
  const build = spawnSync(process.execPath, ['scripts/tsc.mjs', '-b', project], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (!existsSync(entry)) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}

/**
 * Which of `packages` (names under node_modules) a fresh Node process has loaded by `require` after running
 * `program`, an ES module body run from `cwd`. The lazy-loading tests use it to show what a configuration
 * does not load. ES-only packages never appear in require.cache: check those with an import hook instead.
 */
export function packagesLoadedAfter(program: string, packages: readonly string[], cwd: string): string[] {
  const source = `
    import { createRequire } from 'node:module';
    ${program}
    const require = createRequire(import.meta.url);
    const files = Object.keys(require.cache);
    const loaded = ${JSON.stringify(packages)}.filter((name) =>
      files.some((file) => file.includes('/node_modules/' + name + '/')));
    process.stdout.write(JSON.stringify(loaded));
    process.exit(0);
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`node exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}
