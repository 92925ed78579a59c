import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { JsonLinesFile } from '../../src/logging/json-lines-file.js';
import { tempDir } from '../../src/testing/index.js';
import { until } from '../http-client/upstream-server.js';

const messages = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
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
