import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { JsonLinesFile } from '../../src/logging/json-lines-file.js';
import { tempDir } from '../../src/testing/index.js';
import { until } from '../http-client/upstream-server.js';

/** The messages of the complete lines: a write in flight may have landed only in part (no newline yet). */
const messages = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { message: string }).message);

describe('JsonLinesFile (the file transport of createLogger)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function logFile(): string {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    return join(dir.path, 'service.log');
  }

  test('When lines are logged, then they are appended to the file, in order, after what it held', async () => {
    const file = logFile();
    writeFileSync(file, `${JSON.stringify({ message: 'from before' })}\n`);
    const logger = createLogger({ service: 'orders', console: false, file });

    for (let i = 0; i < 500; i++) logger.info(`line ${i}`);

    await until(() => messages(file).length === 501);
    expect(messages(file)).toEqual(['from before', ...Array.from({ length: 500 }, (_, i) => `line ${i}`)]);
    logger.end();
  });

  test('When the logger ends, then whatever is buffered is on disk by the time it finishes', async () => {
    const file = logFile();
    const logger = createLogger({ service: 'orders', console: false, file });
    const transport = logger.transports.find((candidate) => candidate instanceof JsonLinesFile);
    logger.info('last words');

    await new Promise<void>((resolve) => {
      transport?.once('finish', () => resolve());
      logger.end();
    });

    expect(messages(file)).toEqual(['last words']);
  });

  test('When flushed synchronously (as on process exit), then the buffered lines are written at once', () => {
    const file = logFile();
    const transport = new JsonLinesFile({ filename: file, flushIntervalMs: 60_000 });
    transport.log({ [Symbol.for('message')]: JSON.stringify({ message: 'one' }) }, () => undefined);
    transport.log({ [Symbol.for('message')]: JSON.stringify({ message: 'two' }) }, () => undefined);
    expect(messages(file)).toEqual([]);

    transport.flushSync();

    expect(messages(file)).toEqual(['one', 'two']);
    transport.close();
  });
});

describe('JsonLinesFile rotation by size', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function logDir(): string {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    return dir.path;
  }

  const line = (n: number) => ({
    [Symbol.for('message')]: JSON.stringify({ message: `line ${n}`, pad: 'x'.repeat(80) }),
  });

  test('When the file passes maxBytes, then it is rotated, only maxFiles old files are kept and no line is lost or split', () => {
    const dir = logDir();
    const file = join(dir, 'order-service.log');
    const transport = new JsonLinesFile({
      filename: file,
      flushIntervalMs: 60_000,
      maxBytes: 1_000,
      maxFiles: 2,
    });

    for (let n = 0; n < 60; n++) {
      transport.log(line(n), () => undefined);
      if (n % 5 === 4) transport.flushSync();
    }
    transport.close();

    expect(readdirSync(dir).sort()).toEqual([
      'order-service.log',
      'order-service.log.1',
      'order-service.log.2',
    ]);
    for (const name of readdirSync(dir)) {
      // rotation happens between writes: a file may pass maxBytes by one batch, never more
      expect(statSync(join(dir, name)).size, name).toBeLessThan(1_000 + 5 * 120);
    }
    // oldest to newest, the kept files hold the most recent lines without a gap
    const kept = [`${file}.2`, `${file}.1`, file].flatMap((path) => messages(path));
    const first = Number(kept[0]?.split(' ')[1]);
    expect(kept).toEqual(Array.from({ length: 60 - first }, (_, i) => `line ${first + i}`));
    expect(first).toBeGreaterThan(0);
  });

  test('When maxFiles is 0, then the full file is replaced and nothing else is kept', () => {
    const dir = logDir();
    const file = join(dir, 'gateway.log');
    const transport = new JsonLinesFile({
      filename: file,
      flushIntervalMs: 60_000,
      maxBytes: 500,
      maxFiles: 0,
    });

    for (let n = 0; n < 20; n++) {
      transport.log(line(n), () => undefined);
      transport.flushSync();
    }
    transport.close();

    expect(readdirSync(dir)).toEqual(['gateway.log']);
    expect(messages(file).at(-1)).toBe('line 19');
  });

  test('When the logger writes through the asynchronous path, then it rotates too', async () => {
    const dir = logDir();
    const file = join(dir, 'payments.log');
    const logger = createLogger({
      service: 'payments',
      console: false,
      file,
      fileMaxBytes: 2_000,
      fileMaxFiles: 3,
    });

    for (let n = 0; n < 40; n++) {
      logger.info(`payment ${n}`, { pad: 'y'.repeat(100) });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await until(() => messages(file).includes('payment 39'));
    logger.end();

    expect(readdirSync(dir).sort()).toEqual([
      'payments.log',
      'payments.log.1',
      'payments.log.2',
      'payments.log.3',
    ]);
  });
});
