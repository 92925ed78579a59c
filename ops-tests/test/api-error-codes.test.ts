import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { API_OPERATIONS, operationErrors } from '@shop/platform/api-contract';
import { repoRoot } from '../src/repo-files.js';
import { SERVICES } from '../src/service-catalog.js';

/**
 * Codes the sources raise that no public operation answers, each with the reason. A new code must be either
 * documented on the operations that can answer it (platform/src/api-contract/operations.ts) or listed here.
 */
const NOT_PUBLIC: Record<string, string> = {
  reservation_released: 'inventory /internal reservations (the saga)',
  reservation_deadline_passed: 'inventory /internal reservations (the saga)',
  charge_deadline_passed: 'payment /internal charges (the saga)',
  order_cancelled: 'payment /internal charges and the saga’s own late-capture handling',
  idempotency_mismatch: 'payment /internal charges',
  client_closed_request: 'logged as 499; the client has gone and never reads it',
  method_not_allowed: 'a known path with another method: no operation',
  not_implemented: 'an unknown HTTP method: no operation',
  order_missing: 'an invariant broken inside order-service (a bug); answers 500',
  illegal_transition: 'order status changes driven by events, not by a request',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every literal error code the sources raise: `new AppError('x'`, `conflict('x'`, `code: 'x'`. */
function raisedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const roots = ['platform', ...SERVICES.map((service) => service.name)];
  const pattern = /(?:new AppError\(\s*|conflict\(\s*|\bcode: )'([a-z][a-z0-9_]*)'/g;
  for (const root of roots) {
    for (const file of sourceFiles(join(repoRoot, root, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
        if (!found.has(match[1] ?? '')) found.set(match[1] ?? '', file.slice(repoRoot.length + 1));
      }
    }
  }
  return found;
}

describe('Error codes and the OpenAPI document', () => {
  const documented = new Set(
    API_OPERATIONS.flatMap((operation) => [...operationErrors(operation).values()].flat()),
  );
  const raised = raisedCodes();

  test('When the sources are scanned, then every error code they raise is documented or known not to be public', () => {
    expect(raised.size).toBeGreaterThan(30);
    const unclassified = [...raised]
      .filter(([code]) => !documented.has(code) && NOT_PUBLIC[code] === undefined)
      .map(([code, file]) => `${code} (${file})`);

    expect(unclassified).toEqual([]);
  });

  test('When the list of internal codes is read, then each is still raised and none is also documented', () => {
    const stale = Object.keys(NOT_PUBLIC).filter((code) => !raised.has(code));
    expect(stale).toEqual([]);
    expect(Object.keys(NOT_PUBLIC).filter((code) => documented.has(code))).toEqual([]);
  });
});
