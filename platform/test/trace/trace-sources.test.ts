import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, runWithContext } from '../../src/runtime/index.js';
import { tempDir } from '../../src/testing/index.js';
import { searchRequestInElasticsearch } from '../../src/trace/elasticsearch-source.js';
import { readRequestFromLogFiles } from '../../src/trace/file-source.js';
import type { RequestMatch } from '../../src/trace/request-match.js';
import { TraceSourceError } from '../../src/trace/source-error.js';
import type { TimelineEntry } from '../../src/trace/timeline.js';
import { closedPortUrl, startFakeElasticsearch, waitFor } from '../logging/fake-elasticsearch.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The lines of a request that was found; fails the test otherwise. */
function entriesOf(match: RequestMatch): TimelineEntry[] {
  if (match.kind !== 'found') throw new Error(`expected one request, got ${JSON.stringify(match)}`);
  return match.entries;
}

function lineCount(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** Writes real log files with the platform logger: three services, two requests, plus noise. */
async function writeLogs(dir: string): Promise<void> {
  const services = ['api-gateway', 'order-service', 'inventory-service'];
  const loggers = services.map((service) =>
    createLogger({ service, console: false, file: join(dir, `${service}.log`) }),
  );
  cleanups.push(() => loggers.forEach((logger) => logger.close()));
  const [gateway, orders, inventory] = loggers;
  // Each line in its own millisecond, so the expected order is the order of the calls.
  const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 2));
  const asRequest = (correlationId: string, log: () => void) =>
    runWithContext({ correlationId, userId: 'u-1' }, log);
  asRequest('req-42', () => gateway?.info('proxying POST /api/orders'));
  await nextMillisecond();
  asRequest('req-42', () => orders?.info('order created', { orderId: 'o-1' }));
  asRequest('req-420', () => orders?.info('another request'));
  await nextMillisecond();
  asRequest('req-42', () =>
    inventory?.info('POST /internal/reservations 201', {
      http: { request: { method: 'POST' }, response: { status_code: 201 } },
      url: { path: '/internal/reservations' },
      event: { duration: 3_500_000 },
    }),
  );
  await nextMillisecond();
  asRequest('req-42', () => gateway?.info('POST /api/orders 201', { event: { duration: 25_000_000 } }));
  await waitFor(
    () =>
      lineCount(join(dir, 'api-gateway.log')) === 2 &&
      lineCount(join(dir, 'order-service.log')) === 2 &&
      lineCount(join(dir, 'inventory-service.log')) === 1,
    'the log files',
  );
  appendFileSync(join(dir, 'order-service.log'), 'npm WARN something not JSON req-42\n{"broken": "req-42\n');
  writeFileSync(
    join(dir, 'notes.txt'),
    JSON.stringify({ '@timestamp': new Date().toISOString(), correlationId: 'req-42' }),
  );
}

describe('readRequestFromLogFiles', () => {
  test('When the log files were rotated while the request ran, then its lines are read from every rotated file', async () => {
    const dir = tempDir('shop-trace-rotated-');
    cleanups.push(() => dir.cleanup());
    const file = join(dir.path, 'order-service.log');
    const logger = createLogger({
      service: 'order-service',
      console: false,
      file,
      fileMaxBytes: 600,
      fileMaxFiles: 10,
    });
    cleanups.push(() => {
      logger.close();
    });

    for (let step = 0; step < 6; step++) {
      runWithContext({ correlationId: 'req-rotated' }, () => logger.info(`saga step ${step}`));
      for (let noise = 0; noise < 3; noise++) {
        runWithContext({ correlationId: `other-${step}-${noise}` }, () => logger.info('other request'));
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await waitFor(
      () => existsSync(file) && readFileSync(file, 'utf8').includes('saga step 5'),
      'the last line',
    );
    expect(readdirSync(dir.path).length).toBeGreaterThanOrEqual(4);

    const entries = entriesOf(await readRequestFromLogFiles(dir.path, 'req-rotated'));

    expect(entries.map((entry) => entry.message)).toEqual(
      Array.from({ length: 6 }, (_, step) => `saga step ${step}`),
    );
  });

  test('When the logs dir holds lines of three services, other requests and non-JSON lines, then only the request is returned, oldest first', async () => {
    const dir = tempDir('shop-trace-');
    cleanups.push(() => dir.cleanup());
    await writeLogs(dir.path);

    const entries = entriesOf(await readRequestFromLogFiles(dir.path, 'req-42'));

    expect(entries.map((entry) => [entry.service, entry.message])).toEqual([
      ['api-gateway', 'proxying POST /api/orders'],
      ['order-service', 'order created'],
      ['inventory-service', 'POST /internal/reservations 201'],
      ['api-gateway', 'POST /api/orders 201'],
    ]);
    expect(entries.map((entry) => entry.durationNs)).toEqual([undefined, undefined, 3_500_000, 25_000_000]);
    for (const [index, entry] of entries.entries()) {
      expect(entry.correlationId).toBe('req-42');
      expect(entry.epochMs).toBeGreaterThanOrEqual(entries[index - 1]?.epochMs ?? 0);
    }
  });

  test("When given the first characters of one request's ID, then that request is returned; when they start several, the IDs are listed", async () => {
    const dir = tempDir('shop-trace-prefix-');
    cleanups.push(() => dir.cleanup());
    const line = (correlationId: string, message: string) =>
      JSON.stringify({ '@timestamp': '2025-05-01T10:00:00.000Z', message, correlationId });
    writeFileSync(
      join(dir.path, 'api-gateway.log'),
      [
        line('3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11', 'first request'),
        line('3f2bffff-0d1a-4c55-9a57-2f0c1f0e9a11', 'second request'),
        line('3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11', 'first request again'),
      ].join('\n') + '\n',
    );

    const unique = await readRequestFromLogFiles(dir.path, '3f2b8c0e');
    const ambiguous = await readRequestFromLogFiles(dir.path, '3f2b');
    const none = await readRequestFromLogFiles(dir.path, '0000');

    expect(unique.kind === 'found' && unique.correlationId).toBe('3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11');
    expect(entriesOf(unique).map((entry) => entry.message)).toEqual(['first request', 'first request again']);
    expect(ambiguous).toEqual({
      kind: 'ambiguous',
      candidates: ['3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11', '3f2bffff-0d1a-4c55-9a57-2f0c1f0e9a11'],
      more: false,
    });
    expect(none).toEqual({ kind: 'none' });
  });

  test('When the directory does not exist, then a TraceSourceError names it', async () => {
    await expect(readRequestFromLogFiles('/nonexistent/shop/logs', 'req-1')).rejects.toThrow(
      new TraceSourceError(
        'cannot read the log directory /nonexistent/shop/logs: ' +
          "ENOENT: no such file or directory, scandir '/nonexistent/shop/logs'",
      ),
    );
  });
});

describe('searchRequestInElasticsearch, against a local HTTP endpoint answering _search (Elasticsearch itself cannot run here)', () => {
  test('When Elasticsearch has the lines, then one term query on correlationId sorted by @timestamp fetches them', async () => {
    const es = await startFakeElasticsearch({
      search: () => ({
        status: 200,
        body: {
          hits: {
            total: { value: 2, relation: 'eq' },
            hits: [
              {
                _index: 'ecommerce-logs-2025.05.01',
                _source: {
                  '@timestamp': '2025-05-01T10:00:00.030Z',
                  'log.level': 'info',
                  message: 'payment captured',
                  'service.name': 'payment-service',
                  correlationId: 'req-7',
                },
              },
              {
                _index: 'ecommerce-logs-2025.05.01',
                _source: {
                  '@timestamp': '2025-05-01T10:00:00.000Z',
                  log: { level: 'info' },
                  message: 'POST /api/orders 201',
                  service: { name: 'api-gateway' },
                  event: { duration: 40_000_000 },
                  correlationId: 'req-7',
                },
              },
            ],
          },
        },
      }),
    });
    cleanups.push(() => es.close());
    const [scheme, rest] = es.url.split('://');

    const result = await searchRequestInElasticsearch({
      url: `${scheme}://elastic:s3cret@${rest}`,
      correlationId: 'req-7',
    });

    expect(result.total).toBe(2);
    expect(entriesOf(result.match).map((entry) => [entry.service, entry.message, entry.durationNs])).toEqual([
      ['api-gateway', 'POST /api/orders 201', 40_000_000],
      ['payment-service', 'payment captured', undefined],
    ]);
    expect(es.requests).toHaveLength(1);
    const [search] = es.requests;
    expect(search?.method).toBe('POST');
    expect(search?.path).toBe('/ecommerce-logs-*/_search?ignore_unavailable=true');
    expect(search?.headers.authorization).toBe(`Basic ${Buffer.from('elastic:s3cret').toString('base64')}`);
    expect(JSON.parse(search?.body ?? '')).toEqual({
      size: 1000,
      query: { term: { correlationId: 'req-7' } },
      sort: [{ '@timestamp': { order: 'asc' } }],
    });
  });

  test('When no line has the exact ID, then a prefix query finds the one request it starts, and its lines are fetched', async () => {
    const fullId = '3f2b8c0e-0d1a-4c55-9a57-2f0c1f0e9a11';
    const es = await startFakeElasticsearch({
      search: (_path, body) => {
        const query = (body as { query: { term?: { correlationId: string } } }).query;
        if (query.term?.correlationId === fullId) {
          const source = {
            '@timestamp': '2025-05-01T10:00:00.000Z',
            message: 'found',
            correlationId: fullId,
          };
          return { status: 200, body: { hits: { total: { value: 1 }, hits: [{ _source: source }] } } };
        }
        if (query.term) return { status: 200, body: { hits: { total: { value: 0 }, hits: [] } } };
        return {
          status: 200,
          body: {
            hits: { total: { value: 3 }, hits: [] },
            aggregations: { ids: { buckets: [{ key: fullId, doc_count: 3 }], sum_other_doc_count: 0 } },
          },
        };
      },
    });
    cleanups.push(() => es.close());

    const result = await searchRequestInElasticsearch({ url: es.url, correlationId: '3f2b8c0e' });

    expect(entriesOf(result.match).map((entry) => entry.message)).toEqual(['found']);
    expect(es.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      expect.objectContaining({ query: { term: { correlationId: '3f2b8c0e' } } }),
      {
        size: 0,
        query: { prefix: { correlationId: '3f2b8c0e' } },
        aggs: { ids: { terms: { field: 'correlationId', size: 11 } } },
      },
      expect.objectContaining({ query: { term: { correlationId: fullId } } }),
    ]);
  });

  test("When the prefix starts several requests' IDs, then they are listed and no lines are fetched", async () => {
    const es = await startFakeElasticsearch({
      search: (_path, body) =>
        (body as { aggs?: unknown }).aggs === undefined
          ? { status: 200, body: { hits: { total: { value: 0 }, hits: [] } } }
          : {
              status: 200,
              body: {
                hits: { total: { value: 9 }, hits: [] },
                aggregations: {
                  ids: { buckets: [{ key: '3f2b-b' }, { key: '3f2b-a' }], sum_other_doc_count: 0 },
                },
              },
            },
    });
    cleanups.push(() => es.close());

    const result = await searchRequestInElasticsearch({ url: es.url, correlationId: '3f2b' });

    expect(result.match).toEqual({ kind: 'ambiguous', candidates: ['3f2b-a', '3f2b-b'], more: false });
    expect(es.requests).toHaveLength(2);
  });

  test('When Elasticsearch answers an error, then a TraceSourceError carries its status and reason', async () => {
    const es = await startFakeElasticsearch({
      search: () => ({
        status: 400,
        body: {
          error: { type: 'search_phase_execution_exception', reason: 'all shards failed' },
          status: 400,
        },
      }),
    });
    cleanups.push(() => es.close());

    await expect(searchRequestInElasticsearch({ url: es.url, correlationId: 'req-7' })).rejects.toThrow(
      `Elasticsearch at ${es.url} rejected the search: 400 search_phase_execution_exception all shards failed`,
    );
  });

  test('When Elasticsearch is unreachable, then a TraceSourceError says so', async () => {
    const url = await closedPortUrl();
    const failure = searchRequestInElasticsearch({ url, correlationId: 'req-7' });
    await expect(failure).rejects.toBeInstanceOf(TraceSourceError);
    await expect(failure).rejects.toThrow(`cannot reach Elasticsearch at ${url}: connect ECONNREFUSED`);
  });
});
