import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';

/** The headless browser of the page tests: Debian's `chromium` package, or CHROMIUM=<path>. */
export const chromiumCommand = process.env.CHROMIUM ?? 'chromium';

const required = process.env.REQUIRE_SERVICES === '1' || process.env.CI === 'true';

function version(): string | undefined {
  const result = spawnSync(chromiumCommand, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return result.error || result.status !== 0 ? undefined : result.stdout.trim();
}

export const chromiumVersion: string | undefined = version();

/**
 * Call first in a test that drives the browser: skips it, saying why, when chromium is missing and not
 * required; fails it when it is required (REQUIRE_SERVICES=1 or CI=true) but missing.
 */
export function requireChromium(context: TestContext): void {
  if (chromiumVersion !== undefined) return;
  const how = 'install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM=<path>)';
  if (required)
    throw new Error(`chromium ('${chromiumCommand}') is required (REQUIRE_SERVICES=1 or CI=true): ${how}`);
  const reason = `chromium not found: skipping the browser check of /docs; ${how}`;
  console.warn(reason);
  context.skip(reason);
}

/**
 * Loads `url` in headless chromium, lets its scripts run (up to `budgetMs` of virtual time), and returns the
 * DOM as serialised after them; with `screenshot`, also writes a PNG of the page there.
 */
export async function renderPage(
  url: string,
  options: { budgetMs?: number; screenshot?: string } = {},
): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-extensions',
    '--disable-sync',
    '--no-first-run',
    '--no-default-browser-check',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${options.budgetMs ?? 15_000}`,
    '--window-size=1280,2400',
    options.screenshot === undefined ? '--dump-dom' : `--screenshot=${options.screenshot}`,
    url,
  ];
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(chromiumCommand, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`chromium exited with ${String(code)}: ${err.slice(-2000)}`));
      });
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
