import { describe, expect, test } from 'vitest';
import { aims, compare, formatReport, type LoadFigures, type TargetResult } from '../src/report.js';
import { testReport } from './support/report-fixture.js';

function figures(requestsPerSecond: number, p50Ms: number, p99Ms: number): LoadFigures {
  return {
    requestsPerSecond,
    p50Ms,
    p99Ms,
    meanMs: p50Ms,
    maxMs: p99Ms,
    requests: 1000,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: { '200': 1000 },
  };
}

const measured = (
  name: TargetResult['name'],
  rps: number,
  p50: number,
  p99: number,
  modP50: number,
  modP99: number,
): TargetResult => ({
  name,
  saturation: figures(rps, p50, p99),
  moderate: figures(1000, modP50, modP99),
});

describe('compare', () => {
  const targets = [
    measured('direct', 30_000, 1.5, 4, 0.3, 0.9),
    measured('bare-proxy', 20_000, 2.4, 6, 0.5, 1.2),
    measured('koa-proxy', 10_600, 4.7, 11, 0.8, 2.0),
    measured('gateway', 9_000, 5.5, 14, 0.85, 2.1),
  ];

  test('When all four targets ran, then ratios are relative to the bare proxy', () => {
    const result = compare(targets);
    expect(result.gatewayToBare).toBeCloseTo(0.45);
    expect(result.koaToBare).toBeCloseTo(0.53);
    expect(result.bareToDirect).toBeCloseTo(2 / 3);
  });

  test('When all four targets ran, then the added latency is gateway minus bare proxy at p50 and p99', () => {
    const result = compare(targets);
    expect(result.gatewayAddedAtModerate?.p50Ms).toBeCloseTo(0.35);
    expect(result.gatewayAddedAtModerate?.p99Ms).toBeCloseTo(0.9);
    expect(result.gatewayAddedAtSaturation?.p50Ms).toBeCloseTo(3.1);
  });

  test('When the gateway was skipped, then its ratio and aims are absent, not zero', () => {
    const result = compare([...targets.slice(0, 3), { name: 'gateway', skipped: 'not built' }]);
    expect(result.gatewayToBare).toBeUndefined();
    expect(aims(result).every((aim) => aim.met === undefined && aim.measured === 'n/a')).toBe(true);
  });

  const withCpu = (target: TargetResult, cpuMicrosPerRequest: number): TargetResult =>
    'saturation' in target
      ? { ...target, saturation: { ...target.saturation, cpuMicrosPerRequest } }
      : target;

  test('When the figures are on the aims, then the aims count as met; just past them, not met', () => {
    // 0.6 of the bare proxy, 1.35 x the Koa pass-through's CPU, +0.4 / +1 ms at moderate load.
    const onTheAims = [
      targets[1] as TargetResult,
      withCpu(targets[2] as TargetResult, 100),
      withCpu(measured('gateway', 12_000, 5, 12, 0.89, 2.19), 135),
    ];
    expect(aims(compare(onTheAims)).map((a) => a.met)).toEqual([true, true, true, true]);
    const slower = [
      targets[1] as TargetResult,
      withCpu(targets[2] as TargetResult, 100),
      withCpu(measured('gateway', 11_900, 6, 15, 0.95, 2.5), 136),
    ];
    expect(aims(compare(slower)).map((a) => a.met)).toEqual([false, false, false, false]);
  });

  test('When the gateway ran with workers too, then their throughput is compared with the one process', () => {
    const result = compare([...targets, measured('gateway-workers', 13_500, 4, 10, 0.8, 2)]);
    expect(result.workersToOneWorker).toBeCloseTo(1.5);
  });
});

describe('formatReport', () => {
  test('When printed, then each target has a row with req/s and its ratio, and skipped targets say why', () => {
    const targets: TargetResult[] = [
      measured('direct', 30_000, 1.5, 4, 0.3, 0.9),
      measured('bare-proxy', 20_000, 2.4, 6, 0.5, 1.2),
      { name: 'gateway', skipped: 'api-gateway is not built' },
    ];
    const comparison = compare(targets);
    const report = testReport({
      targets,
      comparison,
      micro: [{ name: 'jsonwebtoken verify', variant: 'KeyObject', operations: 1000, microsPerOp: 6.25 }],
    });

    const text = formatReport(report);

    expect(text).toMatch(/\(a\) direct to upstream\s+30000\s+1\.50\s+1\.50\s+4\.00/);
    expect(text).toMatch(/\(b\) node:http \+ undici Pool proxy\s+20000\s+1\.00/);
    expect(text).toContain('(d) api-gateway (full stack) skipped: api-gateway is not built');
    expect(text).toContain('bare proxy / direct throughput:  0.67');
    expect(text).toMatch(/jsonwebtoken verify\s+KeyObject\s+1000\s+6\.25/);
  });
});

describe('CPU per request', () => {
  test('When the target processes reported CPU time, then each row and the comparison show µs per request', () => {
    const bare = measured('bare-proxy', 20_000, 2.4, 6, 0.5, 1.2);
    const gateway = measured('gateway', 9_000, 5.5, 14, 0.85, 2.1);
    if ('saturation' in bare) bare.saturation.cpuMicrosPerRequest = 70.4;
    if ('saturation' in gateway) {
      gateway.saturation.cpuMicrosPerRequest = 150.2;
      gateway.moderate.cpuMicrosPerRequest = 180.6;
    }
    const comparison = compare([bare, gateway]);
    expect(comparison.gatewayCpuMicros).toBeCloseTo(150.2);
    expect(comparison.bareCpuMicros).toBeCloseTo(70.4);

    const text = formatReport(testReport({ targets: [bare, gateway], comparison }));

    expect(text).toMatch(/\(d\) api-gateway \(full stack\)\s+9000\s+0\.45(\s+\S+){6}\s+150\s+181/);
    expect(text).toMatch(/\(b\) node:http \+ undici Pool proxy\s+20000(\s+\S+){7}\s+70\s+n\/a/);
    expect(text).toContain('CPU per request (target process, saturation): gateway 150 µs, bare proxy 70 µs');
  });
});

describe('formatReport with the end-to-end target', () => {
  test('When the only target was skipped, then the report says no aim was measured instead of an empty table', () => {
    const text = formatReport(
      testReport({
        targets: [],
        comparison: {},
        endToEnd: { skipped: 'the admin login was refused' },
        aims: [],
      }),
    );

    expect(text).toContain('aims: none measured in this run');
    expect(text).not.toMatch(/^aim +target/m);
  });

  test('When only e2e ran, then there is no proxy table, the header says how loaded the machine was, and the e2e aims are in the aims table', () => {
    const text = formatReport(
      testReport({
        machine: {
          cpus: 2,
          cpuModel: 'Test CPU',
          node: '20.0.0',
          platform: 'linux-x64',
          loadAverage: { atStart: [1.25, 1.5, 2], atEnd: [2, 1.75, 2] },
        },
        targets: [],
        comparison: {},
        endToEnd: { skipped: 'GATEWAY_URL http://10.0.0.1 is not on this machine' },
        aims: [{ name: 'e2e confirmed orders/s at saturation', aim: '>= 300', measured: '310', met: true }],
        micro: [],
      }),
    );

    expect(text).toContain(
      'Node 20.0.0; load average 1.3 / 1.5 / 2.0 at the start, 2.0 / 1.8 / 2.0 at the end',
    );
    expect(text).not.toContain('connections');
    expect(text).not.toContain('req/s');
    expect(text).toContain('(e) end to end skipped: GATEWAY_URL http://10.0.0.1 is not on this machine');
    expect(text).toMatch(/e2e confirmed orders\/s at saturation +>= 300 +310 +met/);
  });
});
