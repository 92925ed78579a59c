import { describe, expect, test } from 'vitest';
import { formatConsoleLine } from '../../src/cli/console-line.js';
import { printable, printableLines, terminalSafeJson } from '../../src/cli/terminal-text.js';

const RAW_CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  test('When text holds C0, DEL, C1 and bidi controls, then each becomes a visible escape and the rest is kept', () => {
    expect(printable('a\u001b[2Jb\u0007c\rd\ne\tf\u007fg\u009bh\u202ei\u2066j\u2028k é 日本')).toBe(
      'a\\x1b[2Jb\\x07c\\rd\\ne\\tf\\x7fg\\x9bh\\u202ei\\u2066j\\u2028k é 日本',
    );
  });

  test('When a block of lines is made printable, then its line breaks stay and nothing else raw is left', () => {
    const shown = printableLines('first \u001b]0;title\u0007\nsecond\r\u001bc');

    expect(shown).toBe('first \\x1b]0;title\\x07\nsecond\\r\\x1bc');
    expect(shown.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
  });
});

describe('terminalSafeJson', () => {
  test('When a value holds controls JSON leaves raw, then they are \\u-escaped and the JSON still parses to the same value', () => {
    const value = { message: 'x\u009b31m\u202e\u007f\u2028\u001b', n: 1 };

    const json = terminalSafeJson(value);

    expect(json).not.toMatch(RAW_CONTROL);
    expect(json).toBe('{"message":"x\\u009b31m\\u202e\\u007f\\u2028\\u001b","n":1}');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('formatConsoleLine (the npm start console)', () => {
  const options = { service: 'api-gateway', colorIndex: 6, color: false };

  test('When a JSON log line has a correlation ID, then it is shown whole after the level and message', () => {
    const line = JSON.stringify({
      'log.level': 'info',
      message: 'GET /api/products 200',
      correlationId: '3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11',
    });

    expect(formatConsoleLine(line, options)).toBe(
      'api-gateway          | info  GET /api/products 200 [3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11]',
    );
  });

  test('When a line, JSON or not, carries escape sequences, then the console shows them escaped', () => {
    const json = JSON.stringify({ 'log.level': 'warn', message: 'login failed for \u001b]0;pwned\u0007' });
    const raw = 'Error: \u001b[2J\u001bc boom';

    expect(formatConsoleLine(json, options)).toBe(
      'api-gateway          | warn  login failed for \\x1b]0;pwned\\x07',
    );
    expect(formatConsoleLine(raw, options)).toBe('api-gateway          | Error: \\x1b[2J\\x1bc boom');
  });
});
