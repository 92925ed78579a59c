import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildForProcessTest } from '../src/testing/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = `${root}platform/dist/src/runtime/index.js`;
const scratch = mkdtempSync(join(tmpdir(), 'lazy-esm-'));

// A module hook (node:module register, installed with --import before anything else loads) that appends
// the URL of every module Node loads, ES module or CommonJS entered through import, to LOADED_LOG. The
// OpenTelemetry SDK is ES modules, which require.cache (the other lazy-loading test's check) never sees.
const HOOKS = `
  import { appendFileSync } from 'node:fs';
  export async function load(url, context, nextLoad) {
    appendFileSync(process.env.LOADED_LOG, url + '\\n');
    return nextLoad(url, context);
  }
`;
const REGISTER = `
  import { register } from 'node:module';
  register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});
`;

/** The URLs of every module a fresh Node process loads while importing @shop/platform and running `script`. */
function modulesLoaded(script: string, env: Record<string, string>): string[] {
  const log = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.log`);
  const program = `
    const platform = await import(${JSON.stringify(entry)});
    ${script}
    process.exit(0);
  `;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(REGISTER)}`,
      '--input-type=module',
      '-e',
      program,
    ],
    { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...clean, ...env, LOADED_LOG: log } },
  );
  if (run.status !== 0) throw new Error(`node exited ${run.status}: ${run.stderr}`);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/** The @opentelemetry packages among `urls` that are the SDK or an exporter (not the api). */
function sdkPackages(urls: string[]): string[] {
  const names = urls
    .map((url) => /\/node_modules\/(@opentelemetry\/(?:sdk-[^/]+|exporter-[^/]+))\//.exec(url)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

const START = `
  const on = await platform.startTracing('probe');
  process.stdout.write(String(on));
  await platform.stopTracing();
`;

describe('The OpenTelemetry SDK (ES modules) is loaded only with tracing on', () => {
  beforeAll(() => {
    buildForProcessTest(root, 'platform', entry);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('When OTEL_EXPORTER_OTLP_ENDPOINT is unset and a service starts tracing, then no @opentelemetry/sdk-* or exporter module is loaded', () => {
    const urls = modulesLoaded(START, {});
    // The control: the hook sees the platform's own ES modules.
    expect(urls.some((url) => url.endsWith('/platform/dist/src/tracing/tracing.js'))).toBe(true);
    expect(sdkPackages(urls)).toEqual([]);
  });

  test('When OTEL_EXPORTER_OTLP_ENDPOINT is set, then the trace SDK and the OTLP/HTTP exporter are loaded', () => {
    const urls = modulesLoaded(START, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(sdkPackages(urls)).toEqual(
      expect.arrayContaining(['@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/sdk-trace']),
    );
  });
});
