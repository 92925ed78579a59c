import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: process tests run the built gateway from there. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The built entry point, as `npm start` runs it. */
export const GATEWAY_MAIN = `${REPO_ROOT}api-gateway/dist/src/main.js`;

/**
 * Builds api-gateway (and what it depends on) for a test that runs it as a process. Another workspace's
 * half-written file may fail the build while still emitting ours; only a missing entry point is fatal.
 */
export function buildGateway(): void {
  const build = spawnSync(process.execPath, ['scripts/tsc.mjs', '-b', 'api-gateway'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}
