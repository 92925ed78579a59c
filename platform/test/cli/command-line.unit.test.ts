import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { parseCommandLine, UsageError } from '../../src/cli/command-line.js';
import { answerHelp, describeSettings } from '../../src/cli/settings-help.js';
import { locateStack, StackNotFoundError } from '../../src/cli/stack-location.js';
import { tempDir } from '../../src/testing/index.js';

const OPTIONS = { dir: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('parseCommandLine', () => {
  test('When options come as --name value, --name=value or flags among positionals, then all are read', () => {
    expect(parseCommandLine(['a', '--dir=x', '--json', 'b'], OPTIONS)).toMatchObject({
      values: { dir: 'x', json: true },
      positionals: ['a', 'b'],
    });
  });

  test('When an option is unknown or lacks its value, then a one-line UsageError says which', () => {
    expect(() => parseCommandLine(['--since', '1h'], OPTIONS)).toThrow(
      new UsageError('unknown option --since'),
    );
    expect(() => parseCommandLine(['--dir'], OPTIONS)).toThrow(new UsageError('--dir needs a value'));
    expect(() => parseCommandLine(['--dir', '--json'], OPTIONS)).toThrow(
      new UsageError('--dir needs a value'),
    );
  });
});

describe('describeSettings and answerHelp', () => {
  const schema = z.object({
    SHORT: z.string().describe('One line.'),
    A_MUCH_LONGER_NAME: z.string().describe(`${'word '.repeat(40)}end.`),
    FORGOTTEN: z.string(),
  });

  test('When settings are described, then each is listed aligned and wrapped; one without a description says so', () => {
    const lines = describeSettings(schema);

    expect(lines[0]).toBe('  SHORT               One line.');
    expect(lines.every((line) => line.length <= 100)).toBe(true);
    expect(lines.at(-1)).toBe('  FORGOTTEN           (undocumented)');
  });

  test('When a command set up by variables gets --help, an unknown option or an argument, then it answers 0, 2, 2', () => {
    const printed: string[] = [];
    const io = {
      out: (text: string) => printed.push(`out:${text}`),
      err: (text: string) => printed.push(`err:${text}`),
    };

    expect(answerHelp(['--help'], 'USAGE', io)).toBe(0);
    expect(answerHelp(['--verbose'], 'USAGE', io)).toBe(2);
    expect(answerHelp(['burst'], 'USAGE', io)).toBe(2);
    expect(answerHelp([], 'USAGE', io)).toBeUndefined();
    expect(printed).toEqual([
      'out:USAGE',
      'err:unknown option --verbose\n\nUSAGE',
      'err:unexpected argument burst\n\nUSAGE',
    ]);
  });
});

describe('locateStack', () => {
  const dirs: Array<{ path: string; cleanup(): void }> = [];
  afterEach(() => dirs.splice(0).forEach((dir) => dir.cleanup()));

  test('When --dir and DATA_DIR are both given, then --dir wins and its stack.json is read', () => {
    const dir = tempDir('stack-location-');
    dirs.push(dir);
    const stack = {
      gatewayUrl: 'http://127.0.0.1:8180',
      dataDir: dir.path,
      logsDir: join(dir.path, 'logs'),
      transport: { kind: 'embedded', file: join(dir.path, 'events.db') },
    };
    writeFileSync(join(dir.path, 'stack.json'), JSON.stringify(stack));

    expect(locateStack({ dir: dir.path, dataDirVariable: '/elsewhere', command: 'trace' })).toEqual({
      dataDir: dir.path,
      chosenBy: '--dir',
      stack,
    });
  });

  test('When stack.json is damaged, then the error names the file', () => {
    const dir = tempDir('stack-location-');
    dirs.push(dir);
    mkdirSync(join(dir.path, 'logs'));
    writeFileSync(join(dir.path, 'stack.json'), '{"gatewayUrl": 8080}');

    expect(() => locateStack({ dataDirVariable: dir.path, command: 'events' })).toThrow(StackNotFoundError);
    expect(() => locateStack({ dataDirVariable: dir.path, command: 'events' })).toThrow(
      `${join(dir.path, 'stack.json')} is not a stack description`,
    );
  });
});
