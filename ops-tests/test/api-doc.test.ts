import { describe, expect, test } from 'vitest';
import { API_OPERATIONS } from '@shop/platform/api-contract';
import { readRepoText } from '../src/repo-files.js';

describe('docs/api.md', () => {
  test('When its route table is read, then it names every operation of the OpenAPI document once, and nothing else', () => {
    const rows = [
      ...readRepoText('docs/api.md').matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \/[^`]*)`/gm),
    ].map((match) => (match[1] ?? '').split('?')[0] ?? '');
    const operations = API_OPERATIONS.map((operation) => `${operation.method} ${operation.path}`);

    expect([...rows].sort()).toEqual([...operations].sort());
  });
});
