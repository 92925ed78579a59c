import { Writable } from 'node:stream';
import winston from 'winston';
import { describe, expect, test } from 'vitest';
import { runWithContext, type RequestContext } from '../../src/context/request-context.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import {
  accessLineConstants,
  accessLogMeta,
  isoTimestamp,
  logAccess,
  writeAccessLine,
  type AccessLogEntry,
} from '../../src/logging/access-log.js';

/** A platform logger whose transports keep the raw lines they are given. */
function rawLogger(transportLevels: (string | undefined)[] = [undefined]): {
  logger: Logger;
  lines: string[][];
} {
  const lines = transportLevels.map(() => [] as string[]);
  const transports = transportLevels.map(
    (level, index) =>
      new winston.transports.Stream({
        ...(level === undefined ? {} : { level }),
        stream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines[index]?.push(...chunk.toString('utf8').split('\n').filter(Boolean));
            done();
          },
        }),
      }),
  );
  return { logger: createLogger({ service: 'orders', level: 'debug', console: false, transports }), lines };
}

const withoutTimestamp = (line: string | undefined) =>
  line?.replace(/"@timestamp":"[^"]+"/, '"@timestamp":"T"');

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl';
const entry = (overrides: Partial<AccessLogEntry> = {}): AccessLogEntry => ({
  method: 'GET',
  route: '/api/orders/:id',
  status: 200,
  path: '/api/orders/42',
  durationNs: 412_345,
  ...overrides,
});

const CASES: [string, AccessLogEntry, RequestContext | undefined][] = [
  ['a plain request', entry(), { correlationId: '5f0c6a52-1d0e-4c55-9f0e-2f7d1c1b1a10' }],
  ['a signed-in caller', entry(), { correlationId: 'client-42:retry.1_a', userId: 'alice' }],
  ['no request context', entry({ route: 'unmatched', status: 404 }), undefined],
  ['a server error', entry({ status: 503, durationNs: 3_000_000_123 }), { correlationId: 'c' }],
  ['quotes and backslashes', entry({ path: '/a"b\\c/%22' }), { correlationId: 'c' }],
  ['control characters and unicode', entry({ path: '/é\u0001\u2028😀\ud800' }), { correlationId: 'c' }],
  ['a token in the path', entry({ path: `/reset/${JWT}` }), { correlationId: 'c' }],
  ['a token as correlation ID', entry(), { correlationId: JWT, userId: 'bob' }],
  ['a bearer token in the route', entry({ route: 'Bearer abc.def' }), { correlationId: 'c' }],
  ['a non-finite duration', entry({ durationNs: Number.NaN }), { correlationId: 'c' }],
];

describe('logAccess', () => {
  test.each(CASES)(
    'When the line is for %s, then it is byte for byte what the generic ECS format writes',
    (_, accessEntry, context) => {
      const fast = rawLogger();
      const generic = rawLogger();
      const level = accessEntry.status >= 500 ? 'warn' : 'info';
      const message = `${accessEntry.method} ${accessEntry.route} ${accessEntry.status}`;
      const { http, url, event } = accessLogMeta(accessEntry);
      const write = () => {
        logAccess(fast.logger, level, message, accessEntry);
        generic.logger.log(level, message, { http, url, event });
      };
      if (context === undefined) write();
      else runWithContext(context, write);

      expect(fast.lines[0]).toHaveLength(1);
      expect(withoutTimestamp(fast.lines[0]?.[0])).toBe(withoutTimestamp(generic.lines[0]?.[0]));
    },
  );

  test('When the path or the correlation ID carries a token, then the line has [REDACTED] instead', () => {
    const { logger, lines } = rawLogger();
    runWithContext({ correlationId: JWT }, () =>
      logAccess(logger, 'info', 'GET unmatched 404', entry({ path: `/x/${JWT}`, route: 'unmatched' })),
    );
    expect(lines[0]?.[0]).not.toContain(JWT);
    expect(lines[0]?.[0]).toContain('[REDACTED]');
  });

  test('When a child logger adds fields, then they are in the line as well', () => {
    const { logger, lines } = rawLogger();
    logAccess(logger.child({ component: 'edge' }), 'info', 'GET /a 200', entry({ path: '/a', route: '/a' }));
    expect(JSON.parse(lines[0]?.[0] ?? '{}')).toMatchObject({ component: 'edge', message: 'GET /a 200' });
  });

  test('When a transport only takes warnings, then it gets the 5xx lines and not the others', () => {
    const { logger, lines } = rawLogger([undefined, 'warn']);
    logAccess(logger, 'info', 'GET /a 200', entry());
    logAccess(logger, 'warn', 'GET /a 503', entry({ status: 503 }));
    expect(lines[0]?.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'GET /a 200',
      'GET /a 503',
    ]);
    expect(lines[1]?.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'GET /a 503',
    ]);
  });

  test('When the logger is silent, then nothing is written', () => {
    const { logger, lines } = rawLogger();
    logger.silent = true;
    logAccess(logger, 'info', 'GET /a 200', entry());
    expect(lines[0]).toEqual([]);
  });

  test('When access lines and other lines alternate, then they come out in the order they were logged', () => {
    const { logger, lines } = rawLogger();
    for (let i = 0; i < 5; i++) {
      logger.info(`event ${i}`);
      logAccess(logger, 'info', `GET /${i} 200`, entry({ path: `/${i}` }));
    }
    expect(lines[0]?.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(
      [0, 1, 2, 3, 4].flatMap((i) => [`event ${i}`, `GET /${i} 200`]),
    );
  });
});

describe('writeAccessLine', () => {
  const constants = accessLineConstants({
    ecsVersion: '8.10.0',
    serviceName: 'orders',
    eventDataset: 'orders',
  });
  const info = (accessEntry: AccessLogEntry, extra: Record<string, unknown> = {}) => ({
    ...accessLogMeta(accessEntry),
    level: 'info',
    message: `GET ${accessEntry.route} 200`,
    ...extra,
  });

  test('When the info is a plain access line, then it writes the line itself', () => {
    const plain = info(entry());
    expect(runWithContext({ correlationId: 'c' }, () => writeAccessLine(plain, constants))).toBe(true);
    expect(typeof (plain as Record<symbol, unknown>)[Symbol.for('message')]).toBe('string');
  });

  test('When anything would need redacting or the info has other fields, then it leaves the line to the generic format', () => {
    expect(writeAccessLine(info(entry({ path: `/${JWT}` })), constants)).toBe(false);
    expect(runWithContext({ correlationId: JWT }, () => writeAccessLine(info(entry()), constants))).toBe(
      false,
    );
    expect(writeAccessLine(info(entry(), { component: 'edge' }), constants)).toBe(false);
    expect(writeAccessLine({ level: 'info', message: 'not an access line' }, constants)).toBe(false);
  });
});

describe('isoTimestamp', () => {
  test('When given any time, then it is what Date#toISOString gives', () => {
    const times = [
      0,
      1,
      999,
      1000,
      1_700_000_000_009,
      1_700_000_000_099,
      Date.now(),
      -1,
      253_402_300_800_000,
    ];
    for (let i = 0; i < 1000; i++) times.push(Math.floor((Math.random() - 0.2) * 4e12));
    for (const time of times) expect(isoTimestamp(time)).toBe(new Date(time).toISOString());
  });
});
