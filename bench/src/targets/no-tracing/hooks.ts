// Module hooks for the bench's (d4) target: the gateway with the tracing code taken out. The platform's
// tracing module is replaced, as it loads, by stubs that do nothing (`tracingEnabled()` is the constant false,
// `startSpan` returns undefined): the gateway that never had tracing, to put next to the normal gateway with
// OTEL unset. The stub must export exactly the real module's names, or the target refuses to start.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TRACING_MODULE = /\/platform\/dist\/src\/tracing\/tracing\.js$/;

export const STUB = `
export const SPAN_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
export const TRACES_SAMPLERS = [];
export function samplerSetting() { return { name: 'always_off', ratio: 0 }; }
export function tracingEnabled() { return false; }
export function tracingEndpoint() { return undefined; }
export async function startTracing() { return false; }
export async function stopTracing() {}
export function activeSpan() { return undefined; }
export function startSpan() { return undefined; }
export function startSpanFrom() { return undefined; }
export function injectTraceContext() {}
export function traceparentOf() { return undefined; }
export function failSpan() {}
export function withSpan(name, work) { return work(); }
`;

/** The names a module's source exports (`export function|const|let|class NAME`). */
export function exportedNames(source: string): string[] {
  const names = [...source.matchAll(/^export\s+(?:async\s+)?(?:function|const|let|class)\s+(\w+)/gm)].map(
    (match) => match[1] as string,
  );
  return names.sort();
}

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  if (!TRACING_MODULE.test(url)) return nextLoad(url, context);
  const real = exportedNames(readFileSync(fileURLToPath(url), 'utf8'));
  const stub = exportedNames(STUB);
  if (real.join() !== stub.join()) {
    throw new Error(
      `bench no-tracing stub is out of date: ${url} exports ${real.join(', ')}; the stub ${stub.join(', ')}. ` +
        'Update bench/src/targets/no-tracing/hooks.ts.',
    );
  }
  return { format: 'module', source: STUB, shortCircuit: true };
}
