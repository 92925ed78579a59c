import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createEnvelope, createMetricsRegistry, EmbeddedTransport } from '@shop/platform/runtime';
import { captureLogger, runCommand, tempDir, type FinishedCommand } from '@shop/platform/tools/testing';
import { buildAll } from '../src/index.js';
import { repositoryRoot } from '../src/service-map.js';

// `npm run trace` and `npm run events` as a user meets them: the built commands as separate processes, in a
// directory of their own (so ./data is whatever the test makes it), with only PATH and HOME inherited.
const root = repositoryRoot();

function command(
  name: 'trace' | 'events',
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<FinishedCommand> {
  return runCommand(
    process.execPath,
    [join(root, 'platform', 'dist', 'src', 'cli', `${name}.js`), ...args],
    options,
  );
}

// What a hostile value in a log line or a dead letter would carry: set the window title, clear the screen,
// reset the terminal, a one-byte CSI, a right-to-left override.
const CRAFTED = '\u001b]0;pwned\u0007\u001b[2J\u001bc\u009b31m\u202e';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x1bc\\x9b31m\\u202e';
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('npm run trace and npm run events, as processes', () => {
  const home = tempDir('shop-cli-cwd-');
  const stack = join(home.path, 'stack');
  const queue = 'shipping-service';

  beforeAll(async () => {
    await buildAll(['platform']);
    mkdirSync(join(stack, 'logs'), { recursive: true });
    writeFileSync(
      join(stack, 'stack.json'),
      JSON.stringify({
        gatewayUrl: 'http://127.0.0.1:8580',
        dataDir: stack,
        logsDir: join(stack, 'logs'),
        transport: { kind: 'embedded', file: join(stack, 'events.db') },
      }),
    );
    const line = (correlationId: string, message: string) =>
      JSON.stringify({
        '@timestamp': '2026-05-01T10:00:00.000Z',
        'log.level': 'warn',
        message,
        'service.name': 'customer-service',
        correlationId,
      });
    writeFileSync(
      join(stack, 'logs', 'customer-service.log'),
      [
        line('7d1e5a40-1111-4c55-9a57-2f0c1f0e9a11', `login failed for ${CRAFTED}`),
        line('7d1e9999-2222-4c55-9a57-2f0c1f0e9a11', 'another request'),
      ].join('\n') + '\n',
    );

    // A real queue file with one dead letter whose handler error carries the crafted text.
    const transport = new EmbeddedTransport({
      file: join(stack, 'events.db'),
      logger: captureLogger('cli-test').logger,
      registry: createMetricsRegistry('cli-test', { collectDefault: false }),
      retryDelaysMs: [],
      pollMs: 10,
    });
    const subscription = await transport.subscribe(queue, ['OrderCancelled'], () =>
      Promise.reject(new Error(`carrier said ${CRAFTED}`)),
    );
    await transport.publish(
      createEnvelope(
        'OrderCancelled',
        { orderId: 'o-1', customerId: 'c-1', reason: 'payment declined', previousStatus: 'PENDING' },
        { source: 'order-service', correlationId: 'corr-1' },
      ),
    );
    await vi.waitFor(async () => expect(await transport.listDeadLetters(queue)).toHaveLength(1), {
      timeout: 5_000,
      interval: 20,
    });
    await subscription.stop();
    await transport.close();
  }, 120_000);

  afterAll(() => home.cleanup());

  test('When a log line carries escape sequences, then trace prints them escaped, from a unique prefix of the ID', async () => {
    const table = await command('trace', ['7d1e5a40'], { cwd: home.path, env: { DATA_DIR: stack } });
    const json = await command('trace', ['7d1e5a40', '--json'], { cwd: home.path, env: { DATA_DIR: stack } });

    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toContain('Request 7d1e5a40-1111-4c55-9a57-2f0c1f0e9a11: 1 log line');
    expect(table.stdout).toContain(`login failed for ${SHOWN}`);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const parsed = JSON.parse(json.stdout) as { entries: Array<{ message: string }> };
    expect(parsed.entries[0]?.message).toBe(`login failed for ${CRAFTED}`);
  });

  test('When the prefix starts two requests, then trace lists both IDs and exits 2', async () => {
    const result = await command('trace', ['7d1e'], { cwd: home.path, env: { DATA_DIR: stack } });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      "7d1e is the start of 2 requests' correlation IDs; give more characters:\n" +
        '  7d1e5a40-1111-4c55-9a57-2f0c1f0e9a11\n  7d1e9999-2222-4c55-9a57-2f0c1f0e9a11',
    );
  });

  test('When a dead letter carries escape sequences, then events prints them escaped, in the table and in --json', async () => {
    const table = await command('events', ['dead-letters', 'list', queue, '--dir', stack], {
      cwd: home.path,
    });
    const json = await command('events', ['dead-letters', 'list', queue, '--json'], {
      cwd: home.path,
      env: { DATA_DIR: stack },
    });

    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toContain(`carrier said ${SHOWN}`);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(json.stdout) as { error: string }).error).toBe(`carrier said ${CRAFTED}`);
  });

  test('When events is given a queue no service consumes, then it is an error naming the known queues', async () => {
    const result = await command('events', ['dead-letters', 'replay', 'shiping-service'], {
      cwd: home.path,
      env: { DATA_DIR: stack },
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `events: no queue named shiping-service on the embedded queue file ${join(stack, 'events.db')}. ` +
        `Its queues: ${queue}.\n`,
    );
  });

  test('When events runs with no arguments, then it prints its help and exits 0', async () => {
    const result = await command('events', [], { cwd: home.path });

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm run events -- <command> \[--dir <data dir>\]\n/);
    expect(result.stdout).toContain('dead-letters list <queue> [--json]');
  });

  test('When no stack can be found, then trace and events say which DATA_DIR or --dir they need, and create nothing', async () => {
    const empty = tempDir('shop-cli-nowhere-');
    try {
      const trace = await command('trace', ['7d1e5a40'], { cwd: empty.path });
      const events = await command('events', ['dead-letters', 'list', queue], { cwd: empty.path });
      const noQueueFile = await command('events', ['dead-letters', 'list', queue], {
        cwd: empty.path,
        env: { DATA_DIR: empty.path },
      });

      for (const [name, result] of [
        ['trace', trace],
        ['events', events],
      ] as const) {
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(
          `no stack found: the default data directory ${join(empty.path, 'data')} does not exist.`,
        );
        expect(result.stderr).toContain(`DATA_DIR=<dir> npm run ${name} -- …`);
        expect(result.stderr).toContain(`npm run ${name} -- --dir <dir> …`);
      }
      expect(noQueueFile.code).toBe(1);
      expect(noQueueFile.stderr).toContain(`no event queue file ${join(empty.path, 'events.db')}`);
      expect(existsSync(join(empty.path, 'data'))).toBe(false);
      expect(existsSync(join(empty.path, 'events.db'))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });
});
