import { describe, expect, test } from 'vitest';
import { errorShapeProblems } from '../src/suite/error-shape.js';
import type { Reply } from '../src/suite/http.js';
import { formatBreakdown, formatSuiteReport, type SuiteReport } from '../src/suite/report.js';
import { Tally } from '../src/suite/tally.js';

function reply(status: number, body: unknown, headers: Record<string, string> = {}, ms = 1): Reply {
  const text = JSON.stringify(body);
  return {
    status,
    body,
    text,
    ms,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  };
}

const error = (code: string, message = 'Something went wrong', correlationId = 'corr-1') => ({
  error: { code, message, correlationId },
});

describe('Tally', () => {
  test('When replies are added, then outcomes are counted by status and error code, with latency percentiles', () => {
    const tally = new Tally();
    [1, 2, 3, 4].forEach((ms) => tally.add(reply(201, { id: 'x' }, {}, ms)));
    tally.add(reply(503, error('upstream_unavailable'), {}, 100));
    tally.add({ status: 0, headers: {}, body: undefined, text: '', ms: 5, error: 'ECONNREFUSED' });

    const summary = tally.summary();

    expect(summary.breakdown).toEqual({ '201': 4, '503 upstream_unavailable': 1, 'network ECONNREFUSED': 1 });
    expect(summary.p50Ms).toBe(3);
    expect(summary.p99Ms).toBe(100);
    expect(formatBreakdown(summary.breakdown)).toBe(
      '201 x4, 503 upstream_unavailable x1, network ECONNREFUSED x1',
    );
  });
});

describe('errorShapeProblems', () => {
  test('When the error has code, message and the echoed correlation ID, then there is no problem', () => {
    expect(
      errorShapeProblems(reply(503, error('upstream_unavailable'), { 'x-correlation-id': 'corr-1' }), 'x'),
    ).toEqual([]);
  });

  test('When a 5xx leaks a stack, a socket code, an address or a path, then each leak is reported', () => {
    const leaks = [
      'Error: boom\n    at handler (/app/order-service/dist/src/app.js:10:5)',
      'connect ECONNREFUSED 127.0.0.1:5004',
      'SQLITE_BUSY: database is locked',
      "TypeError: Cannot read properties of undefined (reading 'id')",
    ];
    for (const message of leaks) {
      expect(errorShapeProblems(reply(500, error('internal_error', message)), 'x').join()).toMatch(/leaks/);
    }
  });

  test('When the body is not the error shape or a 401 lacks WWW-Authenticate, then it is reported', () => {
    expect(errorShapeProblems(reply(400, { message: 'bad' }), 'x').join()).toMatch(/not \{error/);
    expect(errorShapeProblems(reply(400, error('Bad Code')), 'x').join()).toMatch(/code Bad Code/);
    expect(errorShapeProblems(reply(401, error('unauthorized')), 'x').join()).toMatch(/WWW-Authenticate/);
    expect(
      errorShapeProblems(reply(400, error('validation_failed'), { 'x-correlation-id': 'other' }), 'x').join(),
    ).toMatch(/differs/);
  });
});

describe('formatSuiteReport', () => {
  test('When one scenario fails and one is skipped, then the table shows both and lists the failed check', () => {
    const report: SuiteReport = {
      startedAt: '',
      finishedAt: '',
      target: {
        mode: 'started',
        gatewayUrl: 'http://127.0.0.1:1',
        transport: 'embedded SQLite queue',
        services: [],
      },
      passed: false,
      scenarios: [
        {
          name: 'dead-service',
          title: '',
          status: 'fail',
          reason: 'no 500s',
          durationMs: 12_345,
          traffic: {
            requests: 36,
            breakdown: { '503 dependency_unavailable': 30, '500 internal_error': 6 },
            p50Ms: 3.21,
            p99Ms: 20,
            maxMs: 25,
          },
          figures: {},
          checks: [
            { name: 'orders succeed before the fault', ok: true },
            { name: 'no 500s', ok: false, detail: '500 internal_error' },
          ],
        },
        {
          name: 'broker-outage',
          title: '',
          status: 'skip',
          reason: 'needs notification-service',
          durationMs: 0,
          figures: {},
          checks: [],
        },
      ],
    };

    const text = formatSuiteReport(report);

    expect(text).toMatch(
      /dead-service\s+FAIL\s+36\s+3\.2\s+20\.0\s+12\.3 s\s+503 dependency_unavailable x30, 500 internal_error x6/,
    );
    expect(text).toMatch(/broker-outage\s+SKIP\s+-\s+-\s+-\s+0\.0 s\s+needs notification-service/);
    expect(text).toContain('dead-service: no 500s -- 500 internal_error');
    expect(text).not.toContain('orders succeed before the fault');
    expect(text).toContain('0 passed, 1 failed, 1 skipped: FAIL');
  });
});
