import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exportedNames, STUB } from '../src/targets/no-tracing/hooks.js';

describe('The (d4) target stubs out the platform tracing module', () => {
  test('When the stub is compared with the platform tracing module, then it exports exactly the same names', () => {
    const source = readFileSync(new URL('../../platform/src/tracing/tracing.ts', import.meta.url), 'utf8');
    const real = exportedNames(source);
    expect(real).toContain('tracingEnabled');
    expect(exportedNames(STUB)).toEqual(real);
  });
});
