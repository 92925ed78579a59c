import { describe, expect, test } from 'vitest';
import { formatTable } from '../../src/cli/index.js';

describe('formatTable', () => {
  test('When rows are given, then the first column is left-aligned, figures right-aligned, a rule under the header', () => {
    expect(
      formatTable(
        ['name', 'req/s', 'note'],
        [
          ['a', '12', ''],
          ['longer', '3', 'x'],
        ],
      ),
    ).toBe(['name    req/s  note', '------  -----  ----', 'a          12', 'longer      3     x'].join('\n'));
  });

  test('When rule is false, then there is no dashed line', () => {
    expect(formatTable(['code', 'count'], [['E1', '7']], { rule: false })).toBe('code  count\nE1        7');
  });
});
