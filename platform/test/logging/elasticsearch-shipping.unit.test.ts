import { describe, expect, test } from 'vitest';
import {
  createFailureReporter,
  ecsDocument,
  elasticsearchIndexName,
} from '../../src/logging/elasticsearch.js';

describe('createFailureReporter', () => {
  test('When failures keep coming, then stderr gets one line per minute with the count of suppressed reports', () => {
    let now = Date.parse('2025-05-01T10:00:00.000Z');
    const written: string[] = [];
    const report = createFailureReporter({
      service: 'order-service',
      write: (line) => written.push(line),
      now: () => now,
    });

    report('connect ECONNREFUSED 127.0.0.1:9200');
    now += 1_000;
    report('connect ECONNREFUSED 127.0.0.1:9200');
    now += 58_000;
    report('connect ECONNREFUSED 127.0.0.1:9200');
    expect(written).toHaveLength(1);

    now += 1_000;
    report('HTTP 503');
    expect(written).toHaveLength(2);
    expect(written.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      {
        '@timestamp': '2025-05-01T10:00:00.000Z',
        'log.level': 'warn',
        message: 'elasticsearch log shipping: connect ECONNREFUSED 127.0.0.1:9200',
        'service.name': 'order-service',
        'event.dataset': 'elasticsearch-shipping',
        suppressedReports: 0,
      },
      {
        '@timestamp': '2025-05-01T10:01:00.000Z',
        'log.level': 'warn',
        message: 'elasticsearch log shipping: HTTP 503',
        'service.name': 'order-service',
        'event.dataset': 'elasticsearch-shipping',
        suppressedReports: 2,
      },
    ]);
  });
});

describe('elasticsearchIndexName', () => {
  test('When the local date differs from the UTC date, then the daily index follows UTC', () => {
    expect(elasticsearchIndexName('ecommerce-logs', new Date('2025-03-09T23:30:00-05:00'))).toBe(
      'ecommerce-logs-2025.03.10',
    );
  });
});

describe('ecsDocument', () => {
  test('When the logger has serialised the line, then the document is that exact JSON object', () => {
    const line = {
      '@timestamp': '2025-05-01T10:00:00.000Z',
      'log.level': 'info',
      message: 'hi',
      correlationId: 'c-1',
    };
    const document = ecsDocument({
      message: 'hi',
      level: 'info',
      meta: { correlationId: 'c-1', [Symbol.for('message')]: JSON.stringify(line) },
    });
    expect(document).toEqual(line);
    expect(JSON.stringify(document)).toBe(JSON.stringify(line));
  });

  test('When no serialised line is present, then the document is built from the fields', () => {
    const document = ecsDocument({
      message: 'hi',
      level: 'warn',
      timestamp: '2025-05-01T10:00:00.000Z',
      meta: { correlationId: 'c-2', level: 'warn' },
    });
    expect(document).toEqual({
      '@timestamp': '2025-05-01T10:00:00.000Z',
      'log.level': 'warn',
      message: 'hi',
      correlationId: 'c-2',
    });
  });
});
