import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { chooseTransport, runEventsCli, type EventsCliDeps } from '../../src/cli/events.js';
import { EmbeddedTransport } from '../../src/events/embedded-transport.js';
import type { DeadLetter } from '../../src/events/transport.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { captureLogger, tempDir } from '../../src/testing/index.js';
import { orderConfirmed } from './transport-contract.js';

const QUEUE = 'shipping-service';

describe('npm run events -- dead-letters', () => {
  let dir: { path: string; cleanup(): void };
  let file: string;

  function openTransport(): EmbeddedTransport {
    return new EmbeddedTransport({
      file,
      logger: captureLogger('events-cli-test').logger,
      registry: createMetricsRegistry('events-cli-test', { collectDefault: false }),
      retryDelaysMs: [],
      pollMs: 10,
    });
  }

  /** Runs the command like `npm run events` would, against the embedded queue file of this test. */
  async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const deps: EventsCliDeps = {
      env: { EVENT_BUS_FILE: file },
      openTransport: () => Promise.resolve(openTransport()),
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    };
    const code = await runEventsCli(argv, deps);
    return { code, out, err };
  }

  /** Two events whose handler always fails, so both end on the dead-letter queue (no retries configured). */
  async function seedDeadLetters(): Promise<DeadLetter[]> {
    const transport = openTransport();
    const subscription = await transport.subscribe(QUEUE, ['OrderConfirmed'], () =>
      Promise.reject(new Error('carrier API down')),
    );
    await transport.publish(orderConfirmed());
    await transport.publish(orderConfirmed());
    await vi.waitFor(async () => expect(await transport.listDeadLetters(QUEUE)).toHaveLength(2), {
      timeout: 5_000,
      interval: 20,
    });
    await subscription.stop();
    const letters = await transport.listDeadLetters(QUEUE);
    await transport.close();
    return letters;
  }

  beforeEach(() => {
    dir = tempDir('events-cli-');
    file = join(dir.path, 'events.db');
  });

  afterEach(() => dir.cleanup());

  test('When listing a queue with dead letters, then each is shown with its id, type, reason and error', async () => {
    const letters = await seedDeadLetters();

    const { code, out } = await cli('dead-letters', 'list', QUEUE);

    expect(code).toBe(0);
    expect(out[0]).toMatch(/^DEAD-LETTER ID\s+TYPE\s+EVENT ID\s+REASON\s+ATTEMPTS/);
    expect(out).toHaveLength(3);
    for (const letter of letters) {
      const row = out.find((line) => line.startsWith(`${letter.deadLetterId} `));
      expect(row).toContain(letter.eventId);
      expect(row).toContain('OrderConfirmed');
      expect(row).toContain('failed');
      expect(row).toContain('carrier API down');
    }
  });

  test('When listing with --json, then one JSON dead letter is printed per line', async () => {
    const letters = await seedDeadLetters();

    const { code, out } = await cli('dead-letters', 'list', QUEUE, '--json');

    expect(code).toBe(0);
    expect(out.map((line) => JSON.parse(line) as DeadLetter)).toEqual(letters);
  });

  test('When replaying one id, then only that message returns to the queue', async () => {
    const [first, second] = await seedDeadLetters();

    const { code, out } = await cli(
      'dead-letters',
      'replay',
      QUEUE,
      '--id',
      first?.eventId ?? 'missing',
      '--wait',
      '0',
    );

    expect(code).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(new RegExp(`^moved 1 dead letter back to ${QUEUE} \\(replay [0-9a-f-]{36}\\)$`)),
      `summary: 1 replayed, 0 dead-lettered again, 1 message still waiting in ${QUEUE} or its retries`,
    ]);
    const transport = openTransport();
    expect((await transport.listDeadLetters(QUEUE)).map((letter) => letter.deadLetterId)).toEqual([
      second?.deadLetterId,
    ]);
    expect(await transport.pendingCount(QUEUE)).toBe(1);
    await transport.close();
  });

  test('When replaying without --id, then every dead letter returns to the queue', async () => {
    await seedDeadLetters();

    const { code, out } = await cli('dead-letters', 'replay', QUEUE, '--wait=0');

    expect(code).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(new RegExp(`^moved 2 dead letters back to ${QUEUE} \\(replay [0-9a-f-]{36}\\)$`)),
      `summary: 2 replayed, 0 dead-lettered again, 2 messages still waiting in ${QUEUE} or its retries`,
    ]);
    const transport = openTransport();
    expect(await transport.listDeadLetters(QUEUE)).toEqual([]);
    expect(await transport.pendingCount(QUEUE)).toBe(2);
    await transport.close();
  });

  test('When the consumer runs and some replayed messages are poison, then each is replayed once, the command ends and the summary counts those dead-lettered again', async () => {
    await seedDeadLetters();
    const consumer = openTransport();
    const applied: string[] = [];
    const subscription = await consumer.subscribe(QUEUE, ['OrderConfirmed'], (event) => {
      applied.push(event.id);
      return Promise.resolve();
    });
    await consumer.publishRaw('OrderConfirmed', '{"not json');
    await vi.waitFor(async () => expect(await consumer.listDeadLetters(QUEUE)).toHaveLength(3), {
      timeout: 5_000,
      interval: 20,
    });

    try {
      const { code, out } = await cli('dead-letters', 'replay', QUEUE, '--wait', '5');

      expect(code).toBe(0);
      expect(out[0]).toMatch(new RegExp(`^moved 3 dead letters back to ${QUEUE} `));
      expect(out).toContain(`waiting up to 5 s for ${QUEUE}'s consumer to handle them...`);
      expect(out).toContain('summary: 3 replayed, 1 dead-lettered again');
      expect(out.at(-1)).toMatch(/^ {2}dead-lettered again: \d+ OrderConfirmed invalid: not JSON/);
      expect(applied).toHaveLength(2);
      expect(await consumer.listDeadLetters(QUEUE)).toHaveLength(1);
    } finally {
      await subscription.stop();
      await consumer.close();
    }
  });

  test('When --wait is not a number of seconds, then usage is printed and the exit code is 2', async () => {
    const { code, err } = await cli('dead-letters', 'replay', QUEUE, '--wait', 'soon');

    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--wait needs a number of seconds');
  });

  test('When replaying an unknown id, then nothing moves and the exit code is 1', async () => {
    await seedDeadLetters();

    const { code, err } = await cli('dead-letters', 'replay', QUEUE, '--id', 'no-such-id');

    expect(code).toBe(1);
    expect(err.join('\n')).toContain('1 of the requested ids were not found');
    const transport = openTransport();
    expect(await transport.listDeadLetters(QUEUE)).toHaveLength(2);
    await transport.close();
  });

  test('When the command is unknown or incomplete, then usage is printed and the exit code is 2', async () => {
    for (const argv of [
      ['dead-letters', 'list'],
      ['dead-letters', 'purge', QUEUE],
      ['dead-letters', 'list', QUEUE, '--id'],
      ['dead-letters', 'list', QUEUE, '--since', '1h'],
      ['dead-letters', 'list', QUEUE, '--wait', '1'],
    ]) {
      const { code, err } = await cli(...argv);
      expect(code).toBe(2);
      expect(err.join('\n')).toContain('Usage: npm run events -- <command>');
    }
  });

  test('When run with no arguments or --help, then the usage is printed on stdout and the exit code is 0', async () => {
    for (const argv of [[], ['--help'], ['dead-letters', '-h']]) {
      const { code, out, err } = await cli(...argv);
      expect(code).toBe(0);
      expect(err).toEqual([]);
      expect(out.join('\n')).toContain('Usage: npm run events -- <command>');
    }
  });

  test('When the queue is unknown, then the exit code is 1 and the known queues are named, for list and replay', async () => {
    await seedDeadLetters();

    for (const action of ['list', 'replay']) {
      const { code, out, err } = await cli('dead-letters', action, 'shiping-service');
      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err).toEqual([
        `events: no queue named shiping-service on the embedded queue file ${file}. Its queues: ${QUEUE}.`,
      ]);
    }
  });

  test('When a dead letter carries terminal escape sequences, then the table and --json print them escaped', async () => {
    const transport = openTransport();
    const crafted = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
    const subscription = await transport.subscribe(QUEUE, ['OrderConfirmed'], () =>
      Promise.reject(new Error(`carrier said ${crafted}`)),
    );
    await transport.publishRaw(
      'OrderConfirmed',
      JSON.stringify({ id: `evt-${crafted}`, type: 'OrderConfirmed' }),
    );
    await transport.publish(orderConfirmed());
    await vi.waitFor(async () => expect(await transport.listDeadLetters(QUEUE)).toHaveLength(2), {
      timeout: 5_000,
      interval: 20,
    });
    await subscription.stop();
    await transport.close();

    const table = await cli('dead-letters', 'list', QUEUE);
    const json = await cli('dead-letters', 'list', QUEUE, '--json');

    const printed = [...table.out, ...json.out].join('\n');
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(table.out.join('\n')).toContain('carrier said \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e');
    const letters = json.out.map((line) => JSON.parse(line) as DeadLetter);
    expect(letters.map((letter) => letter.error)).toContain(`carrier said ${crafted}`);
  });
});

describe('npm run events: which transport', () => {
  const dirs: Array<{ path: string; cleanup(): void }> = [];
  afterEach(() => dirs.splice(0).forEach((dir) => dir.cleanup()));
  const newDir = () => {
    const dir = tempDir('events-cli-stack-');
    dirs.push(dir);
    return dir.path;
  };
  const stackJson = (dataDir: string, transport: Record<string, unknown>) =>
    writeFileSync(
      join(dataDir, 'stack.json'),
      JSON.stringify({
        gatewayUrl: 'http://127.0.0.1:8580',
        dataDir,
        logsDir: join(dataDir, 'logs'),
        transport,
      }),
    );

  test('When --dir names a stack on the embedded queue, then its file is used even if AMQP_URL is set', () => {
    const data = newDir();
    stackJson(data, { kind: 'embedded', file: join(data, 'queue.db') });
    writeFileSync(join(data, 'queue.db'), '');

    expect(chooseTransport(data, { AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toEqual({
      kind: 'embedded',
      file: join(data, 'queue.db'),
    });
  });

  test('When the stack runs on RabbitMQ, then AMQP_URL gives the URL; without it the error says to set it', () => {
    const data = newDir();
    stackJson(data, { kind: 'rabbitmq', url: 'amqp://guest@127.0.0.1:5672', passwordOmitted: true });

    expect(
      chooseTransport(undefined, { DATA_DIR: data, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }),
    ).toEqual({
      kind: 'rabbitmq',
      url: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: undefined,
    });
    expect(() => chooseTransport(data, {})).toThrow(
      'the stack at http://127.0.0.1:8580 uses RabbitMQ at amqp://guest@127.0.0.1:5672, whose password stack.json does not keep: set AMQP_URL',
    );
  });

  test('When the data directory has no queue file, then none is created and the error says so', () => {
    const data = newDir();

    expect(() => chooseTransport(undefined, { DATA_DIR: data })).toThrow(
      `no event queue file ${join(data, 'events.db')} (data directory ${data}): no stack has run there yet.`,
    );
    expect(existsSync(join(data, 'events.db'))).toBe(false);
  });
});
