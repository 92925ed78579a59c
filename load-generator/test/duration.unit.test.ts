import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration } from '../src/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1500ms', 1500],
    ['2.5s', 2500],
    [' 10M ', 600_000],
  ])('When given %j, then it is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', 'five minutes', '5 m', '-5s', '5x', 'm5', '1h-30m'])(
    'When given %j, then it is not a duration',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  test('When under a minute, then tenths of seconds; else minutes and seconds, hours when there are any', () => {
    expect(formatDuration(3400)).toBe('3.4s');
    expect(formatDuration(754_000)).toBe('12m 34s');
    expect(formatDuration(5_400_000)).toBe('1h 30m 0s');
  });
});
