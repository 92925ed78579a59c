import { describe, expect, test } from 'vitest';
import {
  buildTimeline,
  fieldAt,
  formatTimeline,
  parseLogLine,
  selectRequest,
  timelineJson,
  type TimelineEntry,
} from '../../src/trace/timeline.js';

/** A line as the platform logger writes it: flat ECS keys, nested http/url/event objects. */
function line(fields: {
  at: string;
  service: string;
  message: string;
  level?: string;
  correlationId?: string;
  durationNs?: number;
}): string {
  return JSON.stringify({
    '@timestamp': fields.at,
    'log.level': fields.level ?? 'info',
    message: fields.message,
    'service.name': fields.service,
    ...(fields.correlationId === undefined ? {} : { correlationId: fields.correlationId }),
    ...(fields.durationNs === undefined ? {} : { event: { duration: fields.durationNs } }),
  });
}

function parsed(text: string): TimelineEntry {
  const entry = parseLogLine(text);
  if (!entry) throw new Error(`not a log line: ${text}`);
  return entry;
}

describe('parseLogLine', () => {
  test('When the line is ECS JSON from the platform logger, then time, service, level, message and duration are read', () => {
    const entry = parseLogLine(
      line({
        at: '2025-05-01T10:00:00.250Z',
        service: 'api-gateway',
        level: 'warn',
        message: 'POST /api/orders 201',
        correlationId: 'c-1',
        durationNs: 12_345_678,
      }),
    );
    expect(entry).toMatchObject({
      timestamp: '2025-05-01T10:00:00.250Z',
      epochMs: Date.parse('2025-05-01T10:00:00.250Z'),
      service: 'api-gateway',
      level: 'warn',
      message: 'POST /api/orders 201',
      correlationId: 'c-1',
      durationNs: 12_345_678,
    });
  });

  test('When the document nests its ECS fields (as Logstash or Elasticsearch may), then they are read the same', () => {
    const entry = parseLogLine(
      JSON.stringify({
        '@timestamp': '2025-05-01T10:00:00.000Z',
        log: { level: 'error' },
        service: { name: 'payment-service' },
        'event.duration': 5_000_000,
        message: 'declined',
        correlationId: 'c-1',
      }),
    );
    expect(entry).toMatchObject({ service: 'payment-service', level: 'error', durationNs: 5_000_000 });
  });

  test('When a line is not a JSON log line, then it is skipped', () => {
    expect(parseLogLine('')).toBeUndefined();
    expect(parseLogLine('Server listening on 5003')).toBeUndefined();
    expect(parseLogLine('{"truncated": ')).toBeUndefined();
    expect(parseLogLine('{"message":"no timestamp","correlationId":"c-1"}')).toBeUndefined();
    expect(parseLogLine('{"@timestamp":"yesterday","message":"bad time"}')).toBeUndefined();
  });
});

describe('fieldAt', () => {
  test('When a path is flat, nested or mixed, then the value is found', () => {
    expect(fieldAt({ 'a.b.c': 1 }, 'a.b.c')).toBe(1);
    expect(fieldAt({ a: { b: { c: 2 } } }, 'a.b.c')).toBe(2);
    expect(fieldAt({ 'a.b': { c: 3 } }, 'a.b.c')).toBe(3);
    expect(fieldAt({ a: { 'b.c': 4 } }, 'a.b.c')).toBe(4);
    expect(fieldAt({ a: { b: 5 } }, 'a.b.c')).toBeUndefined();
  });
});

describe('selectRequest and buildTimeline', () => {
  const lines = [
    line({
      at: '2025-05-01T10:00:00.180Z',
      service: 'api-gateway',
      message: 'POST /api/orders 201',
      correlationId: 'c-1',
      durationNs: 180_400_000,
    }),
    line({
      at: '2025-05-01T10:00:00.020Z',
      service: 'order-service',
      message: 'order created',
      correlationId: 'c-1',
    }),
    line({
      at: '2025-05-01T10:00:00.050Z',
      service: 'inventory-service',
      message: 'stock reserved',
      correlationId: 'c-1',
      durationNs: 4_250_000,
    }),
    line({
      at: '2025-05-01T10:00:00.010Z',
      service: 'api-gateway',
      message: 'other request',
      correlationId: 'c-10',
    }),
    line({
      at: '2025-05-01T10:00:00.000Z',
      service: 'api-gateway',
      message: 'request received',
      correlationId: 'c-1',
    }),
    line({
      at: '2025-05-01T10:00:00.050Z',
      service: 'order-service',
      message: 'reservation answered',
      correlationId: 'c-1',
    }),
  ].map(parsed);

  test('When lines of several services arrive out of order, then the request timeline is sorted by time and keeps only its lines', () => {
    const rows = buildTimeline(selectRequest(lines, 'c-1'));
    expect(rows.map((row) => [row.offsetMs, row.service, row.message])).toEqual([
      [0, 'api-gateway', 'request received'],
      [20, 'order-service', 'order created'],
      [50, 'inventory-service', 'stock reserved'],
      [50, 'order-service', 'reservation answered'],
      [180, 'api-gateway', 'POST /api/orders 201'],
    ]);
    expect(rows.map((row) => row.durationMs)).toEqual([undefined, undefined, 4.25, undefined, 180.4]);
  });

  test('When formatted, then the table shows time, offset, service, level, duration and message in aligned columns', () => {
    const output = formatTimeline('c-1', buildTimeline(selectRequest(lines, 'c-1')));
    expect(output).toEqual([
      'Request c-1: 5 log lines from 3 services (api-gateway, order-service, inventory-service) over 180 ms',
      '',
      'TIME                       OFFSET  SERVICE            LEVEL  DURATION  MESSAGE',
      '2025-05-01T10:00:00.000Z    +0 ms  api-gateway        info             request received',
      '2025-05-01T10:00:00.020Z   +20 ms  order-service      info             order created',
      '2025-05-01T10:00:00.050Z   +50 ms  inventory-service  info    4.25 ms  stock reserved',
      '2025-05-01T10:00:00.050Z   +50 ms  order-service      info             reservation answered',
      '2025-05-01T10:00:00.180Z  +180 ms  api-gateway        info     180 ms  POST /api/orders 201',
    ]);
  });

  test('When asked for JSON, then every entry carries its offset, duration in ms and the original record', () => {
    const json = JSON.parse(timelineJson('c-1', 'log files', buildTimeline(selectRequest(lines, 'c-1')))) as {
      correlationId: string;
      source: string;
      services: string[];
      entries: Array<Record<string, unknown>>;
    };
    expect(json.correlationId).toBe('c-1');
    expect(json.source).toBe('log files');
    expect(json.services).toEqual(['api-gateway', 'order-service', 'inventory-service']);
    expect(json.entries).toHaveLength(5);
    expect(json.entries[2]).toEqual({
      timestamp: '2025-05-01T10:00:00.050Z',
      offsetMs: 50,
      service: 'inventory-service',
      level: 'info',
      message: 'stock reserved',
      durationMs: 4.25,
      record: {
        '@timestamp': '2025-05-01T10:00:00.050Z',
        'log.level': 'info',
        message: 'stock reserved',
        'service.name': 'inventory-service',
        correlationId: 'c-1',
        event: { duration: 4_250_000 },
      },
    });
    expect(json.entries[0]).not.toHaveProperty('durationMs');
  });
});
