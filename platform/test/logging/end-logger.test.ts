import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLogger, endLogger } from '../../src/runtime/index.js';
import { captureLogger, tempDir } from '../../src/testing/index.js';
import { startFakeElasticsearch, type FakeElasticsearch } from './fake-elasticsearch.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeElasticsearch(options: Parameters<typeof startFakeElasticsearch>[0] = {}) {
  const fake: FakeElasticsearch = await startFakeElasticsearch(options);
  cleanups.push(() => fake.close());
  return fake;
}

/** 'ended' when `work` resolves before `by` plus a grace, 'still running' otherwise. */
async function endsBy(work: Promise<void>, by: number, graceMs = 1_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still running'), by - Date.now() + graceMs);
  });
  const outcome = await Promise.race([work.then(() => 'ended'), late]);
  clearTimeout(timer);
  return outcome;
}

describe('endLogger and lines logged after the end', () => {
  test('When a line is logged after the logger ended, then it goes to stderr in the same format and no error is raised', async () => {
    const { logger, lines } = captureLogger('api-gateway');
    const errors: unknown[] = [];
    logger.on('error', (error) => errors.push(error));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    logger.info('before the end');

    await endLogger(logger, Date.now() + 1_000);
    logger.warn('Redis unavailable', { reason: 'connection closed' });
    logger.silly('below the level is dropped');
    await new Promise((resolve) => setImmediate(resolve));

    expect(errors).toEqual([]);
    expect(lines().map((line) => line.message)).toEqual(['before the end']);
    const late = stderr.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({
      message: 'Redis unavailable',
      reason: 'connection closed',
      'log.level': 'warn',
      'service.name': 'api-gateway',
    });
  });

  test('When lines wait in the Elasticsearch buffer and the log file, then endLogger resolves after both have them', async () => {
    const fake = await fakeElasticsearch();
    const dir = tempDir('end-logger-');
    cleanups.push(() => dir.cleanup());
    const file = join(dir.path, 'payment-service.log');
    const logger = createLogger({
      service: 'payment-service',
      console: false,
      file,
      elasticsearch: { url: fake.url, flushIntervalMs: 60_000 },
    });

    logger.info('shutdown complete');
    await endLogger(logger, Date.now() + 5_000);

    expect(fake.bulkBodies().join('\n')).toContain('shutdown complete');
    expect(readFileSync(file, 'utf8')).toContain('shutdown complete');
  });

  test('When Elasticsearch never answers, then endLogger gives up at its deadline', async () => {
    const fake = await fakeElasticsearch({ bulk: () => 'hang' });
    const logger = createLogger({
      service: 'payment-service',
      console: false,
      elasticsearch: { url: fake.url, flushIntervalMs: 60_000 },
    });
    logger.info('shutdown complete');

    const by = Date.now() + 300;
    const outcome = await endsBy(endLogger(logger, by), by);

    expect(outcome).toBe('ended');
    expect(fake.pendingBulks()).toBe(1);
  });
});
