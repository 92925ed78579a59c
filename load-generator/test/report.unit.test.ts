import { describe, expect, test } from 'vitest';
import type { Reply } from '../src/gateway-client.js';
import { FLOWS, parseMix } from '../src/flows.js';
import { Recorder } from '../src/recorder.js';
import { formatSummary, progressLine } from '../src/report.js';
import { FlowPicker, type LoadSummary } from '../src/run.js';

function reply(status: number, ms: number, fields: Partial<Reply> = {}): Reply {
  return {
    status,
    body: undefined,
    ms,
    correlationId: undefined,
    quota: undefined,
    retryAfterSeconds: undefined,
    errorCode: undefined,
    transportError: undefined,
    ...fields,
  };
}

describe('Recorder', () => {
  test('When answers are recorded, then steps, statuses and unexpected answers by code are counted with one correlation ID each', () => {
    const recorder = new Recorder();
    recorder.request('POST /api/orders', reply(201, 12), true);
    recorder.request('POST /api/orders', reply(402, 8, { errorCode: 'payment_declined' }), true);
    recorder.request(
      'POST /api/orders',
      reply(503, 30, { errorCode: 'dependency_unavailable', correlationId: 'abc-1' }),
      false,
    );
    recorder.request(
      'POST /api/orders',
      reply(503, 31, { errorCode: 'dependency_unavailable', correlationId: 'abc-2' }),
      false,
    );
    recorder.request('GET /api/products', reply(0, 5000, { transportError: 'timeout' }), false);

    expect(recorder.requests).toBe(5);
    expect(recorder.errors).toBe(3);
    expect(recorder.statusCounts()).toEqual({ '201': 1, '402': 1, '503': 2, timeout: 1 });
    expect(recorder.errorsByCode()).toEqual([
      ['503 dependency_unavailable', { count: 2, example: 'abc-1' }],
      ['timeout', { count: 1, example: undefined }],
    ]);
    const orders = recorder.stepFigures().find((step) => step.step === 'POST /api/orders');
    expect(orders).toMatchObject({ count: 4, errors: 2, p50Ms: 12, p99Ms: 31 });
    // A request with no answer has no latency: the products step counts it, without a percentile.
    expect(recorder.stepFigures().find((step) => step.step === 'GET /api/products')).toMatchObject({
      count: 1,
      errors: 1,
    });
    expect(Number.isNaN(recorder.stepFigures()[1]?.p50Ms)).toBe(true);
  });

  test('When time passes, then the progress window keeps only the last ten seconds', () => {
    let now = 0;
    const recorder = new Recorder(() => now);
    recorder.request('GET /api/products', reply(200, 100), true);
    now = 11_000;
    recorder.request('GET /api/products', reply(200, 4), true);
    recorder.request('GET /api/products', reply(500, 6, { errorCode: 'internal_error' }), false);

    const window = recorder.window();
    expect(window).toMatchObject({ requests: 2, errors: 1, p50Ms: 4, p99Ms: 6 });
    expect(window.ratePerSecond).toBeCloseTo(0.2);
    expect(progressLine(recorder, 11_000, 60_000, 20)).toContain('errors 1: 500 internal_error ×1');
  });
});

describe('FlowPicker', () => {
  test('When a run starts, then its first flows are every flow of the mix once, then the weights decide', () => {
    const picker = new FlowPicker(parseMix('register=0'));
    const first = Array.from({ length: FLOWS.length - 1 }, () => picker.next(() => true).name);

    expect(new Set(first)).toEqual(
      new Set(FLOWS.map((flow) => flow.name).filter((name) => name !== 'register')),
    );
    for (let i = 0; i < 200; i += 1) expect(picker.next(() => true).name).not.toBe('register');
  });

  test('When a first-round flow cannot be afforded, then another goes first and it waits its turn', () => {
    const picker = new FlowPicker(
      parseMix(
        FLOWS.map((flow) => `${flow.name}=${flow.name === 'refresh' || flow.name === 'order' ? 1 : 0}`).join(
          ',',
        ),
      ),
    );

    expect(picker.next((flow) => flow.name !== 'refresh').name).toBe('order');
    expect(picker.next(() => true).name).toBe('refresh');
  });
});

function summary(overrides: Partial<LoadSummary> = {}): LoadSummary {
  return {
    target: 'http://127.0.0.1:8680',
    startedAt: '2026-12-05T10:00:00.000Z',
    stoppedBy: 'duration',
    setup: { customers: 12, products: [13, 14], ms: 1500 },
    settings: { rate: 20, durationMs: 300_000, customers: 12, concurrency: 10, mix: { order: 25 } },
    elapsedMs: 300_000,
    requests: 6000,
    ratePerSecond: 20,
    errors: 3,
    latency: { p50Ms: 4.6, p90Ms: 21, p99Ms: 116, maxMs: 400 },
    statuses: { '200': 5000, '201': 997, '503': 3 },
    steps: [{ step: 'POST /api/orders', count: 1000, errors: 3, p50Ms: 19, p99Ms: 340 }],
    flows: {
      order: { completed: 900, failed: 3, heldBack: 0 },
      refresh: { completed: 10, failed: 0, heldBack: 4 },
    },
    outcomes: {
      ordersConfirmed: 997,
      ordersPending: 0,
      ordersDeclined: 40,
      ordersCancelled: 0,
      customersRegistered: 0,
      logins: 0,
      logouts: 0,
      tokenRefreshes: 10,
      productsViewed: 0,
      notificationsRead: 0,
    },
    errorsByCode: [{ code: '503 dependency_unavailable', count: 3, example: 'abc-1' }],
    heldBack: { auth: 4 },
    budgets: { auth: { limit: 30 } },
    ...overrides,
  };
}

describe('formatSummary', () => {
  test('When a run ends by its duration, then the summary has the totals, steps, flows, what users did and errors with a trace hint', () => {
    const text = formatSummary(summary());

    expect(text).toContain('Load run against http://127.0.0.1:8680: ran 5m 0s');
    expect(text).toContain('requests 6000 (20.0/s, at most 20/s asked), unexpected answers 3 (0.05 %)');
    expect(text).toMatch(/POST \/api\/orders +1000 +19 ms +340 ms +3/);
    expect(text).toContain(
      'orders confirmed 997, orders declined (card declined, expected) 40, token refreshes 10',
    );
    expect(text).toContain('npm run trace -- <correlation ID>');
    expect(text).toMatch(/503 dependency_unavailable +3 +abc-1/);
    expect(text).toContain(
      "4 auth flow starts waited for the gateway's auth budget of this address (30 per window); raise RATE_LIMIT_AUTH_POINTS",
    );
  });

  test('When Ctrl-C stopped the run, then the summary says after how long', () => {
    const text = formatSummary(
      summary({ stoppedBy: 'signal', elapsedMs: 72_000, errorsByCode: [], errors: 0, heldBack: {} }),
    );

    expect(text).toContain('stopped by Ctrl-C after 1m 12s of 5m 0s');
    expect(text).toContain('unexpected answers: none');
    expect(text).not.toContain('held back:');
  });
});
