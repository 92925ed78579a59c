import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { stringify } from 'yaml';
import { promtoolCommand, toolsRequired } from './ops-env.js';

export interface PromtoolResult {
  status: number | null;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

export function runPromtool(args: readonly string[], cwd?: string): PromtoolResult {
  const result = spawnSync(promtoolCommand, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function promtoolVersion(): string | undefined {
  const result = spawnSync(promtoolCommand, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.split('\n')[0];
}

export const promtoolAvailable: boolean = promtoolVersion() !== undefined;

/** Why promtool tests are skipped, or undefined when they must run (promtool present, or required). */
export const promtoolSkipReason: string | undefined =
  promtoolAvailable || toolsRequired
    ? undefined
    : `promtool not found (install Debian's 'prometheus' package or set PROMTOOL); ` +
      `skipping, set REQUIRE_SERVICES=1 to make this a failure`;

/**
 * Call first in a test that runs promtool: skips it (saying why) when promtool is missing and not
 * required, fails it when promtool is required (REQUIRE_SERVICES=1 or CI=true) but missing.
 */
export function requirePromtool(context: TestContext): void {
  if (promtoolSkipReason !== undefined) {
    console.warn(promtoolSkipReason);
    context.skip(promtoolSkipReason);
  }
  if (!promtoolAvailable) {
    throw new Error(
      `promtool ('${promtoolCommand}') is required (REQUIRE_SERVICES=1 or CI=true) but was not found; ` +
        `install it with: apt-get install -y --no-install-recommends prometheus`,
    );
  }
}

/**
 * Parses PromQL expressions with promtool: each becomes a recording rule in a temporary rules file,
 * and `promtool check rules` reports any expression that does not parse.
 */
export function checkPromqlParses(expressions: readonly string[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'ops-tests-promql-'));
  try {
    const rules = expressions.map((expr, index) => ({ record: `ops_tests:expression_${index}`, expr }));
    const file = join(dir, 'expressions.rules.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'expressions', rules }] }));
    return runPromtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
