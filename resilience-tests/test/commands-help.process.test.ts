import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCommand, tempDir, type FinishedCommand } from '@shop/platform/tools/testing';
import { settingsSchema } from '../src/config.js';
import { buildAll } from '../src/index.js';
import { repositoryRoot } from '../src/service-map.js';

// Every command the README names, typed the way users type it: `npm run <name> -- --help`. It must print
// its options and exit 0 without doing the work (no stack, no build of a stack, no load, no files).
const root = repositoryRoot();

function npm(args: string[], env: Record<string, string>): Promise<FinishedCommand> {
  return runCommand('npm', ['--silent', ...args], { cwd: root, env });
}

const COMMANDS = [
  { script: 'start', usage: 'Usage: npm start [-- --help]' },
  { script: 'test:resilience', usage: 'Usage: npm run test:resilience [-- --help]' },
  { script: 'bench', usage: 'Usage: npm run bench [-- --help]' },
  { script: 'load', usage: 'Usage: npm run load -- [--rate <req/s>] [--duration <time>] [options]' },
  { script: 'trace', usage: 'Usage: npm run trace -- <correlation-id> [--dir <dir>] [--json]' },
  { script: 'events', usage: 'Usage: npm run events -- <command> [--dir <data dir>]' },
  { script: 'backup', usage: 'Usage: npm run backup -- <command> [options]' },
  { script: 'admin', usage: 'Usage: npm run admin -- <command> [options]' },
] as const;

describe('--help on every command', () => {
  const data = tempDir('shop-help-');
  const scratchBefore = new Set(readdirSync(join(root, 'bench', 'results')));

  // The npm scripts build before they run: with everything built first, that build has nothing to do.
  beforeAll(() => buildAll(), 180_000);
  afterAll(() => data.cleanup());

  test.each(COMMANDS)(
    'When `npm run $script -- --help` is typed, then the usage is printed and it exits 0 having done nothing',
    async ({ script, usage }) => {
      const result = await npm(['run', script, '--', '--help'], {
        DATA_DIR: data.path,
        // Ports no stack uses: if the command started anything, it would not collide with a teammate's.
        SHOP_PORT_OFFSET: '30000',
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(`${usage}\n`)).toBe(true);
      expect(result.stdout).not.toMatch(
        /\[launcher\] building|\[resilience\] starting|: warm-up \d|started \S+ \(pid/,
      );
      expect(readdirSync(data.path)).toEqual([]);
    },
  );

  test('When the suite prints its help, then it lists every setting it reads, each described', async () => {
    const suite = await npm(['run', 'test:resilience', '--', '-h'], {});

    for (const name of Object.keys(settingsSchema.shape)) {
      expect(suite.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(suite.stdout).not.toContain('(undocumented)');
  });

  test('When an unknown option is given, then the command refuses it with its usage and exits 2 instead of running', async () => {
    for (const { script, usage } of COMMANDS) {
      const result = await npm(['run', script, '--', '--hlep'], {
        DATA_DIR: data.path,
        SHOP_PORT_OFFSET: '30000',
      });

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('unknown option --hlep');
      expect(result.stderr).toContain(usage);
    }
    expect(readdirSync(data.path)).toEqual([]);
    expect(new Set(readdirSync(join(root, 'bench', 'results')))).toEqual(scratchBefore);
  }, 60_000);
});
