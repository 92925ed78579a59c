import { describe, expect, test } from 'vitest';
import { SampleList } from '@shop/load-generator';
import {
  countErrors,
  endToEndAims,
  formatEndToEnd,
  lessIdle,
  LOAD_PROCESS,
  orderRunFigures,
  type EndToEndResult,
  type OrderRunFigures,
} from '../src/e2e/e2e-report.js';
import type { OrderRunCounts } from '../src/e2e/order-load.js';
import { parseProcStat, parseRssBytes, parseRssFileBytes } from '../src/e2e/process-stats.js';

function counts(latencies: number[], fields: Partial<OrderRunCounts> = {}): OrderRunCounts {
  const list = new SampleList();
  latencies.forEach((value) => list.push(value));
  return {
    elapsedSeconds: 10,
    orders: latencies.length,
    confirmed: latencies.length,
    notSent: 0,
    statusCodes: { '201': latencies.length },
    latencies: list,
    ...fields,
  };
}

describe('/proc parsing', () => {
  test('When a stat line has a command name with spaces and parentheses, then ppid and CPU ticks are still found', () => {
    const line =
      '4242 (node (worker) x) S 4200 4242 4200 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 9000 1000000 20000';

    expect(parseProcStat(line)).toEqual({ ppid: 4200, cpuTicks: 1801 });
  });

  test('When the stat text is not one, then nothing is made up', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (node) S x')).toBeUndefined();
  });

  test('When /proc/<pid>/status is read, then VmRSS is returned in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000000 kB\nVmRSS:\t   71680 kB\nRssAnon:\t 50000 kB\n';

    expect(parseRssBytes(status)).toBe(71_680 * 1024);
    expect(parseRssBytes('Name:\tkthreadd\n')).toBeUndefined();
  });

  test('When /proc/<pid>/status is read, then RssFile (the shared file-backed pages) is returned in bytes', () => {
    const status =
      'VmRSS:\t   71680 kB\nRssAnon:\t   30000 kB\nRssFile:\t   41680 kB\nRssShmem:\t       0 kB\n';

    expect(parseRssFileBytes(status)).toBe(41_680 * 1024);
    expect(parseRssFileBytes('VmRSS:\t 71680 kB\n')).toBeUndefined();
  });
});

describe('orderRunFigures', () => {
  test('When leaving the idle rate out of the settling takes a quiet process below its CPU before the run, then its CPU per order is 0, not negative', () => {
    const figures = orderRunFigures(
      'fixed-rate',
      counts([1, 2, 3, 4]),
      { 'customer-service': 1_000_000, 'order-service': 1_000_000 },
      lessIdle(
        { 'customer-service': 1_050_000, 'order-service': 1_400_000 },
        { 'customer-service': 10_000 },
        8,
      ),
      { rate: 200 },
    );

    expect(figures.cpuMicrosPerOrder).toEqual({ 'customer-service': 0, 'order-service': 100_000 });
  });

  test('When a run answered 1000 orders, then each process gets its CPU time divided by them, and confirmed/s is over the elapsed time', () => {
    const figures = orderRunFigures(
      'saturation',
      counts(
        Array.from({ length: 1000 }, (_, i) => i + 1),
        { confirmed: 990, statusCodes: { '201': 990, '503': 10 } },
      ),
      { 'order-service': 1_000_000, 'api-gateway': 2_000_000, gone: 5 },
      { 'order-service': 3_000_000, 'api-gateway': 2_500_000 },
      { concurrency: 32 },
    );

    expect(figures.cpuMicrosPerOrder).toEqual({ 'order-service': 2000, 'api-gateway': 500 });
    expect(figures.confirmedPerSecond).toBe(99);
    expect(figures.p50Ms).toBe(500);
    expect(figures.p99Ms).toBe(990);
    expect(figures.concurrency).toBe(32);
    expect(figures.sentPerSecond).toBeUndefined();
  });

  test('When a paced run had orders without an answer, then they count as sent but not as answered', () => {
    const figures = orderRunFigures(
      'fixed-rate',
      counts([5, 6], { statusCodes: { '201': 2, timeout: 1 } }),
      {},
      {},
      { rate: 200 },
    );

    expect(countErrors(figures.statusCodes)).toBe(1);
    expect(figures.sentPerSecond).toBeCloseTo(0.3);
  });
});

function run(fields: Partial<OrderRunFigures> & Pick<OrderRunFigures, 'name'>): OrderRunFigures {
  return {
    p50Ms: 4,
    p99Ms: 100,
    meanMs: 10,
    maxMs: 200,
    elapsedSeconds: 10,
    orders: 3000,
    confirmed: 3000,
    confirmedPerSecond: 300,
    notSent: 0,
    statusCodes: { '201': 3000 },
    cpuMicrosPerOrder: { 'api-gateway': 400, 'order-service': 900, [LOAD_PROCESS]: 150 },
    ...fields,
  };
}

function result(
  runs: OrderRunFigures[],
  idle: Record<string, number> = { 'api-gateway': 60, 'order-service': 75, [LOAD_PROCESS]: 90 },
): EndToEndResult {
  return {
    stack: {
      kind: 'started',
      gatewayUrl: 'http://127.0.0.1:40000',
      transport: 'embedded SQLite queue',
      rateLimits: 'raised by the bench',
    },
    customers: 50,
    products: 8,
    durationSeconds: 10,
    warmupSeconds: 1,
    processes: { 'api-gateway': 11, 'order-service': 12, [LOAD_PROCESS]: 13 },
    rssMb: {
      start: { 'api-gateway': 70, 'order-service': 85, [LOAD_PROCESS]: 100 },
      idle,
      idleFile: { 'api-gateway': 45, 'order-service': 48, [LOAD_PROCESS]: 50 },
      after: { 'api-gateway': 80, 'order-service': 95, [LOAD_PROCESS]: 120 },
    },
    idleCpuShare: { 'api-gateway': 0.02, 'order-service': 0.015 },
    runs,
    notes: [],
  };
}

describe('endToEndAims', () => {
  test('When each figure is on its side of the aim, then met and NOT met follow, per service for RSS, the bench itself left out', () => {
    const aims = endToEndAims(
      result([
        run({ name: 'single', concurrency: 1, p50Ms: 5 }),
        run({ name: 'fixed-rate', rate: 200, p99Ms: 150.5 }),
        run({ name: 'saturation', concurrency: 32, confirmedPerSecond: 300 }),
      ]),
    );

    expect(aims.map((aim) => [aim.name, aim.met])).toEqual([
      ['e2e confirmed orders/s at saturation', true],
      ['e2e p50 of one order at concurrency 1', true],
      ['e2e p99 at 200 orders/s', false],
      ['idle RSS api-gateway', true],
      ['idle RSS order-service', false],
    ]);
  });

  test('When a service is over the aim at start but under it once idle, then the idle figure decides and the one at start is shown beside it', () => {
    const aims = endToEndAims({
      ...result([], { 'order-service': 69 }),
      rssMb: {
        start: { 'order-service': 95 },
        idle: { 'order-service': 69 },
        idleFile: {},
        after: {},
      },
    });

    const order = aims.find((aim) => aim.name === 'idle RSS order-service');
    expect(order?.met).toBe(true);
    expect(order?.measured).toBe('69 MB (95 MB at start)');
  });

  test('When the paced run fell behind, then its p99 does not count as met however low it is', () => {
    const [, , paced] = endToEndAims(
      result([run({ name: 'fixed-rate', rate: 200, p99Ms: 20, notSent: 12 })]),
    );

    expect(paced?.met).toBe(false);
    expect(paced?.measured).toContain('12 orders not sent: fell behind');
  });

  test('When the paced run used another rate or a run is missing, then the aim is n/a, not met or NOT met', () => {
    const aims = endToEndAims(result([run({ name: 'fixed-rate', rate: 100 })], {}));

    expect(aims.map((aim) => aim.met)).toEqual([undefined, undefined, undefined, undefined]);
    expect(aims[3]?.name).toBe('idle RSS of each service');
  });
});

describe('settling time', () => {
  test('When the services were still busy at the limit, then the run says more than 30 s', () => {
    const text = formatEndToEnd(result([run({ name: 'single', concurrency: 1, settleSeconds: undefined })]));
    expect(text).toMatch(/concurrency 1 +3000 .* +>30\n/);
  });
});

describe('lessIdle', () => {
  test('When a run settled for 4 s, then each process gives back 4 s of its idle rate and processes without one keep their CPU', () => {
    expect(
      lessIdle(
        { 'order-service': 10_000_000, 'api-gateway': 5_000_000, [LOAD_PROCESS]: 700_000 },
        { 'order-service': 20_000, 'api-gateway': 30_000 },
        4,
      ),
    ).toEqual({ 'order-service': 9_920_000, 'api-gateway': 4_880_000, [LOAD_PROCESS]: 700_000 });
  });
});

describe('formatEndToEnd', () => {
  test('When printed, then each run has a row and each process its CPU per order per run, its idle CPU and its memory, with the services summed', () => {
    const text = formatEndToEnd(
      result([
        run({ name: 'single', concurrency: 1 }),
        run({
          name: 'saturation',
          concurrency: 32,
          statusCodes: { '201': 2990, '503': 10 },
          settleSeconds: 4,
        }),
      ]),
    );

    expect(text).toContain(
      'rate limits: raised by the bench; 50 customers, 8 products; runs of 10 s after a 1 s warm-up)',
    );
    expect(text).toMatch(/concurrency 32 \(saturation\) +3000 +300 +4\.00 +100\.0 +200 +10 +0 +4\n/);
    expect(text).toMatch(/concurrency 1 +3000 .* +n\/a\n/);
    expect(text).toMatch(/idle CPU % +RSS at start MB +idle RSS MB +idle RSS file-backed MB +RSS after MB/);
    expect(text).toMatch(/order-service +900 +900 +1\.5 +85 +75 +48 +95/);
    expect(text).toMatch(/all services +1300 +1300 +3\.5 +155 +135 +93 +175/);
    expect(text).toMatch(/bench \(load generator\) +150 +150 +n\/a +100 +90 +50 +120/);
  });
});
