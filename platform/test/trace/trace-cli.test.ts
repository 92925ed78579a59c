import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runTraceCli } from '../../src/cli/trace.js';
import { tempDir } from '../../src/testing/index.js';
import { startFakeElasticsearch } from '../logging/fake-elasticsearch.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) }, out, err };
}

function ecs(
  at: string,
  service: string,
  message: string,
  correlationId: string,
  durationNs?: number,
): string {
  return JSON.stringify({
    '@timestamp': at,
    'log.level': 'info',
    message,
    'service.name': service,
    correlationId,
    ...(durationNs === undefined ? {} : { event: { duration: durationNs } }),
  });
}

/** A DATA_DIR with data/logs/*.log as the local launcher writes them. */
function dataDir(): string {
  const dir = tempDir('shop-trace-cli-');
  cleanups.push(() => dir.cleanup());
  const logs = join(dir.path, 'logs');
  mkdirSync(logs);
  writeFileSync(
    join(logs, 'api-gateway.log'),
    [
      ecs('2025-05-01T10:00:00.000Z', 'api-gateway', 'proxying', 'req-1'),
      ecs('2025-05-01T10:00:00.090Z', 'api-gateway', 'POST /api/orders 201', 'req-1', 90_000_000),
      ecs('2025-05-01T10:00:01.000Z', 'api-gateway', 'GET /api/products 200', 'req-2'),
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(logs, 'order-service.log'),
    ecs('2025-05-01T10:00:00.040Z', 'order-service', 'order created', 'req-1') + '\n',
  );
  return dir.path;
}

describe('npm run trace', () => {
  test('When the request is in the local log files, then its timeline is printed and the exit code is 0', async () => {
    const { io, out, err } = capture();

    const code = await runTraceCli(['req-1'], { DATA_DIR: dataDir() }, io);

    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toBe('Request req-1: 3 log lines from 2 services (api-gateway, order-service) over 90 ms');
    expect(out.slice(3).map((line) => line.split(/\s{2,}/))).toEqual([
      ['2025-05-01T10:00:00.000Z', '+0 ms', 'api-gateway', 'info', 'proxying'],
      ['2025-05-01T10:00:00.040Z', '+40 ms', 'order-service', 'info', 'order created'],
      ['2025-05-01T10:00:00.090Z', '+90 ms', 'api-gateway', 'info', '90.0 ms', 'POST /api/orders 201'],
    ]);
  });

  test('When --json and --dir are given, then one JSON object is printed from that directory', async () => {
    const { io, out } = capture();
    const logs = join(dataDir(), 'logs');

    const code = await runTraceCli(['--json', '--dir', logs, 'req-1'], { DATA_DIR: '/nowhere' }, io);

    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const json = JSON.parse(out[0] ?? '') as {
      source: string;
      entries: Array<{ offsetMs: number; durationMs?: number }>;
    };
    expect(json.source).toBe(`log files ${join(logs, '*.log*')}`);
    expect(json.entries.map((entry) => [entry.offsetMs, entry.durationMs])).toEqual([
      [0, undefined],
      [40, undefined],
      [90, 90],
    ]);
  });

  test('When nothing matches, then a clear message is printed and the exit code is 1', async () => {
    const { io, out, err } = capture();
    const dir = dataDir();

    const code = await runTraceCli(['req-404'], { DATA_DIR: dir }, io);

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toContain(
      `No log lines with correlationId req-404 (or one starting with it) in log files ${join(dir, 'logs', '*.log*')}`,
    );
  });

  test('When DATA_DIR names no directory, then the exit code is 1 and the message says how to name the stack', async () => {
    const { io, err } = capture();

    const code = await runTraceCli(['req-1'], { DATA_DIR: '/nonexistent/shop' }, io);

    expect(code).toBe(1);
    expect(err[0]).toContain('trace: /nonexistent/shop (from DATA_DIR) is not a directory.');
    expect(err[0]).toContain('DATA_DIR=<dir> npm run trace -- …');
    expect(err[0]).toContain('npm run trace -- --dir <dir> …');
  });

  test('When the data directory has a stack.json, then the logs directory it names is read', async () => {
    const data = dataDir();
    const elsewhere = tempDir('shop-trace-logs-');
    cleanups.push(() => elsewhere.cleanup());
    renameSync(join(data, 'logs'), join(elsewhere.path, 'logs'));
    writeFileSync(
      join(data, 'stack.json'),
      JSON.stringify({
        gatewayUrl: 'http://127.0.0.1:8580',
        dataDir: data,
        logsDir: join(elsewhere.path, 'logs'),
        transport: { kind: 'embedded', file: join(data, 'events.db') },
      }),
    );
    const { io, out, err } = capture();

    const code = await runTraceCli(['req-1', '--json'], { DATA_DIR: data }, io);

    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect((JSON.parse(out[0] ?? '') as { source: string }).source).toBe(
      `log files ${join(elsewhere.path, 'logs', '*.log*')} (the stack at http://127.0.0.1:8580)`,
    );
  });

  test('When --dir names a data directory rather than its logs, then its logs/ are read', async () => {
    const { io, out } = capture();

    const code = await runTraceCli(['req-1', '--dir', dataDir()], { DATA_DIR: '/nowhere' }, io);

    expect(code).toBe(0);
    expect(out[0]).toBe('Request req-1: 3 log lines from 2 services (api-gateway, order-service) over 90 ms');
  });

  test('When given a unique prefix of a correlation ID, then the whole ID is shown; an ambiguous one lists the IDs and exits 2', async () => {
    const data = dataDir();
    const unique = capture();
    const ambiguous = capture();

    expect(await runTraceCli(['req-2'], { DATA_DIR: data }, unique.io)).toBe(0);
    expect(await runTraceCli(['req'], { DATA_DIR: data }, ambiguous.io)).toBe(2);

    expect(unique.out[0]).toBe('Request req-2: 1 log line from 1 service (api-gateway) over 0 ms');
    expect(ambiguous.out).toEqual([]);
    expect(ambiguous.err[0]).toBe(
      "req is the start of 2 requests' correlation IDs; give more characters:\n  req-1\n  req-2",
    );
  });

  test('When a log line carries terminal escape sequences, then they are printed escaped, in the table and in --json', async () => {
    const dir = tempDir('shop-trace-escape-');
    cleanups.push(() => dir.cleanup());
    mkdirSync(join(dir.path, 'logs'));
    const crafted = 'login failed for \u001b]0;pwned\u0007\u001b[2J\u001bc\u009b31m\u202eevil';
    writeFileSync(
      join(dir.path, 'logs', 'customer-service.log'),
      ecs('2025-05-01T10:00:00.000Z', 'customer\u001b[1m', crafted, 'req-x') + '\n',
    );
    const table = capture();
    const json = capture();

    expect(await runTraceCli(['req-x'], { DATA_DIR: dir.path }, table.io)).toBe(0);
    expect(await runTraceCli(['req-x', '--json'], { DATA_DIR: dir.path }, json.io)).toBe(0);

    const printed = [...table.out, ...json.out].join('\n');
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(table.out[3]).toContain('login failed for \\x1b]0;pwned\\x07\\x1b[2J\\x1bc\\x9b31m\\u202eevil');
    expect(table.out[0]).toContain('(customer\\x1b[1m)');
    const parsed = JSON.parse(json.out[0] ?? '') as { entries: Array<{ message: string }> };
    expect(parsed.entries[0]?.message).toBe(crafted);
  });

  test('When run with no arguments or --help, then the usage is printed and the exit code is 0', async () => {
    for (const argv of [[], ['--help'], ['-h']]) {
      const { io, out, err } = capture();
      expect(await runTraceCli(argv, {}, io)).toBe(0);
      expect(err).toEqual([]);
      expect(out[0]).toContain('Usage: npm run trace -- <correlation-id> [--dir <dir>] [--json]');
    }
  });

  test('When the argument is not a valid correlation ID or is missing, then usage is printed and the exit code is 2', async () => {
    const invalid = capture();
    expect(await runTraceCli(['bad id!'], {}, invalid.io)).toBe(2);
    expect(invalid.err[0]).toContain('"bad id!" is not a correlation ID');

    const missing = capture();
    expect(await runTraceCli(['--json'], {}, missing.io)).toBe(2);
    expect(missing.err[0]).toContain('Usage: npm run trace -- <correlation-id>');

    const unknown = capture();
    expect(await runTraceCli(['req-1', '--since', '1h'], {}, unknown.io)).toBe(2);
    expect(unknown.err[0]).toContain('unknown option --since');
  });

  test('When ELASTICSEARCH_URL is set, then the timeline comes from Elasticsearch', async () => {
    const es = await startFakeElasticsearch({
      search: (_path, body) => ({
        status: 200,
        body: {
          hits: {
            total: { value: 1, relation: 'eq' },
            hits: [
              {
                _source: {
                  '@timestamp': '2025-05-01T10:00:00.000Z',
                  'log.level': 'info',
                  message: 'from elasticsearch',
                  'service.name': 'customer-service',
                  correlationId: (body as { query: { term: { correlationId: string } } }).query.term
                    .correlationId,
                },
              },
            ],
          },
        },
      }),
    });
    cleanups.push(() => es.close());
    const { io, out } = capture();

    const code = await runTraceCli(['req-es'], { ELASTICSEARCH_URL: es.url, DATA_DIR: dataDir() }, io);

    expect(code).toBe(0);
    expect(out[0]).toBe('Request req-es: 1 log line from 1 service (customer-service) over 0 ms');
    expect(out[3]).toContain('from elasticsearch');
    expect(es.requests).toHaveLength(1);
  });
});
