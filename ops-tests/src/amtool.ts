import { spawnSync } from 'node:child_process';
import type { TestContext } from 'vitest';
import { amtoolCommand, toolsRequired } from './ops-env.js';

const available = (() => {
  const result = spawnSync(amtoolCommand, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return !result.error && result.status === 0;
})();

/** Skips the test when amtool is missing (fails it when tools are required: REQUIRE_SERVICES=1 or CI=true). */
export function requireAmtool(context: TestContext): void {
  if (available) return;
  const install = 'apt-get install -y --no-install-recommends prometheus-alertmanager';
  if (toolsRequired)
    throw new Error(`amtool ('${amtoolCommand}') is required but was not found; install it with: ${install}`);
  const reason = `amtool not found (${install}, or set AMTOOL); skipping, set REQUIRE_SERVICES=1 to make this a failure`;
  console.warn(reason);
  context.skip(reason);
}

export function runAmtool(args: readonly string[], cwd?: string): { status: number | null; output: string } {
  const result = spawnSync(amtoolCommand, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
