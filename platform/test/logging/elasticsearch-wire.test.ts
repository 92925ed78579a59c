import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, runWithContext, type Logger } from '../../src/runtime/index.js';
import { elasticsearchIndexName } from '../../src/logging/elasticsearch.js';
import { tempDir } from '../../src/testing/index.js';
import {
  acceptAllBulk,
  bulkPairs,
  closedPortUrl,
  startFakeElasticsearch,
  waitFor,
  type FakeElasticsearch,
} from './fake-elasticsearch.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JWT_LIKE = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXZhbHVl';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends { close(): Promise<void> | void }>(resource: T): T {
  cleanups.push(() => resource.close());
  return resource;
}

/** A plain HTTP service whose handler logs: the request path the shipping must never slow down. */
async function startApp(handler: (res: ServerResponse) => void): Promise<string> {
  const app = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    app.closeAllConnections();
    app.close();
  });
  return `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
}

function fileLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function shippedDocuments(es: FakeElasticsearch): Record<string, unknown>[] {
  return es.bulkBodies().flatMap((body) => bulkPairs(body).map(([, document]) => document));
}

function logDir(): string {
  const dir = tempDir('shop-es-');
  cleanups.push(() => dir.cleanup());
  return dir.path;
}

function closeLogger(logger: Logger): void {
  cleanups.push(() => {
    logger.close();
  });
}

describe('Elasticsearch log shipping, against a local HTTP endpoint speaking the _bulk API (Elasticsearch itself cannot run here)', () => {
  test('When lines are logged inside a request context, then _bulk receives index actions for ecommerce-logs-<yyyy.mm.dd> followed by the exact ECS documents of the file log, without secrets', async () => {
    const es = track(await startFakeElasticsearch());
    const file = join(logDir(), 'order-service.log');
    const logger = createLogger({
      service: 'order-service',
      console: false,
      file,
      elasticsearch: { url: es.url, flushIntervalMs: 50, reportFailure: () => undefined },
    });
    closeLogger(logger);

    runWithContext({ correlationId: 'corr-wire-1', userId: 'user-42' }, () => {
      logger.info('order placed', {
        orderId: 'o-1',
        password: 'Sup3r-secret-pass',
        authorization: `Bearer ${JWT_LIKE}`,
      });
      logger.warn('POST /api/orders 201', {
        http: { request: { method: 'POST' }, response: { status_code: 201 } },
        url: { path: '/api/orders' },
        event: { duration: 12_345_678 },
      });
      logger.error(`payment declined for Bearer ${JWT_LIKE}`);
    });

    await waitFor(
      () => shippedDocuments(es).length >= 3 && fileLines(file).length >= 3,
      'three shipped lines',
    );

    const bulkRequests = es.requests.filter((request) => request.path.startsWith('/_bulk'));
    for (const request of bulkRequests) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toContain('x-ndjson');
    }
    const raw = es.bulkBodies().join('');
    expect(raw).not.toContain('Sup3r-secret-pass');
    expect(raw).not.toContain(JWT_LIKE);
    expect(raw).not.toContain('attempts');

    const pairs = es.bulkBodies().flatMap(bulkPairs);
    expect(pairs).toHaveLength(3);
    const written = fileLines(file);
    for (const [action, document] of pairs) {
      const day = elasticsearchIndexName('ecommerce-logs', new Date(document['@timestamp'] as string));
      expect(day).toMatch(/^ecommerce-logs-\d{4}\.\d{2}\.\d{2}$/);
      expect(action).toEqual({ index: { _index: day, _id: expect.stringMatching(UUID) as unknown } });
      expect(document).toMatchObject({
        correlationId: 'corr-wire-1',
        userId: 'user-42',
        'service.name': 'order-service',
        '@timestamp': expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as unknown,
      });
      // The shipped document is the file line itself, field for field.
      expect(written).toContainEqual(document);
    }
    const byMessage = new Map(pairs.map(([, document]) => [document.message, document]));
    expect(byMessage.get('order placed')).toMatchObject({
      'log.level': 'info',
      orderId: 'o-1',
      password: '[REDACTED]',
    });
    expect(byMessage.get('POST /api/orders 201')).toMatchObject({
      'log.level': 'warn',
      http: { request: { method: 'POST' }, response: { status_code: 201 } },
      url: { path: '/api/orders' },
      event: { duration: 12_345_678 },
    });
    expect(byMessage.get('payment declined for Bearer [REDACTED]')).toMatchObject({ 'log.level': 'error' });
    const ids = pairs.map(([action]) => (action.index as { _id: string })._id);
    expect(new Set(ids).size).toBe(3);
  });

  test('When Elasticsearch is down, then logging does not throw, the request is answered and the file still receives every line', async () => {
    const file = join(logDir(), 'inventory-service.log');
    const reports: string[] = [];
    const logger = createLogger({
      service: 'inventory-service',
      console: false,
      file,
      elasticsearch: {
        url: await closedPortUrl(),
        flushIntervalMs: 20,
        reportFailure: (line) => reports.push(line),
      },
    });
    closeLogger(logger);
    const appUrl = await startApp((res) => {
      runWithContext({ correlationId: 'corr-down-1', userId: 'user-7' }, () => {
        logger.info('stock reserved', { orderId: 'o-9' });
        logger.info('GET /api/products 200');
      });
      res.end('ok');
    });

    expect(() => logger.info('outside any request')).not.toThrow();
    const response = await fetch(appUrl);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    await waitFor(() => fileLines(file).length >= 3, 'three lines in the file');
    expect(fileLines(file).map((line) => line.message)).toEqual([
      'outside any request',
      'stock reserved',
      'GET /api/products 200',
    ]);
    expect(fileLines(file)[1]).toMatchObject({ correlationId: 'corr-down-1', userId: 'user-7' });
    await waitFor(() => reports.length > 0, 'a shipping failure report');
    expect(JSON.parse(reports[0] as string)).toMatchObject({
      'log.level': 'warn',
      'service.name': 'inventory-service',
      message: expect.stringContaining('ECONNREFUSED') as unknown,
    });
  });

  test('When Elasticsearch holds a bulk request without answering, then a request that logs is answered while that bulk is still pending', async () => {
    const es = track(await startFakeElasticsearch({ bulk: () => 'hang' }));
    const logger = createLogger({
      service: 'payment-service',
      console: false,
      elasticsearch: { url: es.url, flushIntervalMs: 20, reportFailure: () => undefined },
    });
    closeLogger(logger);
    logger.info('warm-up line');
    await waitFor(() => es.pendingBulks() === 1, 'the first bulk request to hang');

    const appUrl = await startApp((res) => {
      runWithContext({ correlationId: 'corr-hang-1' }, () => logger.info('payment captured'));
      res.end('captured');
    });
    const response = await fetch(appUrl);

    expect(await response.text()).toBe('captured');
    expect(es.pendingBulks()).toBe(1);
    expect(es.bulkBodies()).toHaveLength(1);
  });

  test('When a bulk request fails with 503, then the same lines are sent again with the same _id, and one failure is reported', async () => {
    const es = track(
      await startFakeElasticsearch({
        bulk: (body, attempt) =>
          attempt === 1
            ? { status: 503, body: { error: { type: 'unavailable', reason: 'warming up' }, status: 503 } }
            : acceptAllBulk(body),
      }),
    );
    const reports: string[] = [];
    const logger = createLogger({
      service: 'shipping-service',
      console: false,
      elasticsearch: { url: es.url, flushIntervalMs: 20, reportFailure: (line) => reports.push(line) },
    });
    closeLogger(logger);
    runWithContext({ correlationId: 'corr-retry-1' }, () => {
      logger.info('shipment created');
      logger.info('label printed');
    });

    await waitFor(
      () =>
        new Set(shippedDocuments(es).map((document) => document.message)).size === 2 &&
        es.bulkBodies().length >= 2,
      'both lines shipped after the failure',
    );
    const [failed, ...later] = es.bulkBodies().map(bulkPairs);
    const idsOf = (pairs: ReturnType<typeof bulkPairs>) =>
      pairs.map(([action]) => (action.index as { _id: string })._id).sort();
    const retriedIds = later.flat().length > 0 ? idsOf(later.flat()) : [];
    for (const id of idsOf(failed ?? [])) expect(retriedIds).toContain(id);
    expect(reports).toHaveLength(1);
    expect(JSON.parse(reports[0] as string)).toMatchObject({
      message: expect.stringContaining('HTTP 503') as unknown,
    });
  });

  test('When Elasticsearch keeps failing, then a line is dropped after retryLimit retries, failures are reported once, and nothing is thrown', async () => {
    const es = track(
      await startFakeElasticsearch({ bulk: () => ({ status: 503, body: { error: 'down' } }) }),
    );
    const reports: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => {
      process.off('unhandledRejection', onUnhandled);
    });
    const logger = createLogger({
      service: 'notification-service',
      console: false,
      elasticsearch: {
        url: es.url,
        flushIntervalMs: 20,
        retryLimit: 2,
        reportFailure: (line) => reports.push(line),
      },
    });
    closeLogger(logger);

    logger.info('first line');
    await waitFor(() => es.bulkBodies().length >= 3, 'three attempts for the first line');
    logger.info('marker line');
    await waitFor(
      () => shippedDocuments(es).some((document) => document.message === 'marker line'),
      'a bulk request carrying the marker line',
    );

    const attemptsForFirstLine = shippedDocuments(es).filter((document) => document.message === 'first line');
    expect(attemptsForFirstLine).toHaveLength(3);
    expect(reports).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});
