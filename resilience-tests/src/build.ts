import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryRoot } from './service-map.js';

const STALE_LOCK_MS = 5 * 60_000;
const builds = new Map<string, Promise<void>>();

/**
 * Runs `node scripts/tsc.mjs -b [projects...]` once per process (the whole repository by default), so
 * every service's dist/ is current before the runner spawns it. Test files run in parallel processes:
 * a lock directory makes their builds take turns instead of writing the same outputs at once.
 * Rejects with the compiler's output when the build fails.
 */
export function buildAll(projects: string[] = []): Promise<void> {
  const key = projects.join(' ');
  let build = builds.get(key);
  if (!build) {
    build = withBuildLock(() => runTsc(projects));
    builds.set(key, build);
  }
  return build;
}

async function runTsc(projects: string[]): Promise<void> {
  const root = repositoryRoot();
  const child = spawn(process.execPath, [join(root, 'scripts', 'tsc.mjs'), '-b', ...projects], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-40).join('\n');
    throw new Error(`Build failed (node scripts/tsc.mjs -b ${projects.join(' ')}), exit ${code}:\n${tail}`);
  }
}

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(
    tmpdir(),
    `shop-build-${createHash('sha1').update(repositoryRoot()).digest('hex').slice(0, 12)}.lock`,
  );
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A build that crashed leaves its lock behind; after a generous while it no longer counts.
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmdirSync(lock);
      } catch {
        // Removed by its owner meanwhile.
      }
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmdirSync(lock);
  }
}
