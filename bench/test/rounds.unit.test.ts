import { describe, expect, test } from 'vitest';
import { aims, formatReport, type LoadFigures, type TargetResult } from '../src/report.js';
import { compareRounds, summarizeRuns, targetFromRuns } from '../src/rounds.js';
import { median } from '../src/stats.js';
import { testReport } from './support/report-fixture.js';

function run(
  requestsPerSecond: number,
  p50Ms: number,
  p99Ms: number,
  cpuMicrosPerRequest?: number,
): LoadFigures {
  return {
    requestsPerSecond,
    p50Ms,
    p99Ms,
    meanMs: p50Ms,
    maxMs: p99Ms * 2,
    requests: 100,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: { '200': 100 },
    ...(cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest }),
  };
}

describe('median', () => {
  test('When the count is odd, then the middle value; when even, the mean of the middle two; NaN without values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summarizeRuns', () => {
  test('When a target ran in rounds, then its figures are the medians, the largest max, and the counts added up', () => {
    const runs = [run(1000, 1, 10, 100), run(3000, 3, 30, 300), run(2000, 2, 20, 200)];
    runs[1] = { ...(runs[1] as LoadFigures), non2xx: 2, statusCodes: { '200': 98, '502': 2 } };

    const summary = summarizeRuns(runs);

    expect(summary).toMatchObject({ requestsPerSecond: 2000, p50Ms: 2, p99Ms: 20, cpuMicrosPerRequest: 200 });
    expect(summary.maxMs).toBe(60);
    expect(summary.requests).toBe(300);
    expect(summary.non2xx).toBe(2);
    expect(summary.statusCodes).toEqual({ '200': 298, '502': 2 });
  });

  test('When one run has no CPU figure, then the summary has none rather than a median of the others', () => {
    expect(summarizeRuns([run(1000, 1, 10, 100), run(1000, 1, 10)]).cpuMicrosPerRequest).toBeUndefined();
  });
});

describe('compareRounds', () => {
  // Three rounds: the machine was fast, then slow, then in between; the gateway always at half the bare
  // proxy's req/s in its own round. The ratio of the medians would be 0.25 (2000 / 8000): not what happened.
  const bare = targetFromRuns('bare-proxy', {
    saturation: [run(8000, 1, 5, 50), run(4000, 2, 10, 100), run(10_000, 1, 4, 40)],
    moderate: [run(1000, 0.4, 1.0), run(1000, 0.5, 1.5), run(1000, 0.45, 2.0)],
  });
  const koa = targetFromRuns('koa-proxy', {
    saturation: [run(5000, 2, 8, 100), run(2000, 4, 16, 200), run(6000, 2, 6, 80)],
    moderate: [run(1000, 0.6, 1.2), run(1000, 0.7, 2.0), run(1000, 0.6, 2.1)],
  });
  const gateway = targetFromRuns('gateway', {
    saturation: [run(4000, 2, 9, 120), run(2000, 4, 20, 260), run(5000, 2, 7, 100)],
    moderate: [run(1000, 0.6, 1.5), run(1000, 0.9, 4.5), run(1000, 0.7, 2.1)],
  });
  const targets: TargetResult[] = [bare, koa, gateway];

  test('When targets ran in the same rounds, then each ratio is the median of the per-round ratios, with its spread', () => {
    const comparison = compareRounds(targets);

    expect(comparison.rounds).toBe(3);
    expect(comparison.perRound).toHaveLength(3);
    expect(comparison.gatewayToBare).toBeCloseTo(0.5);
    expect(comparison.spread?.gatewayToBare).toEqual({ min: 0.5, max: 0.5 });
    // CPU: 1.2, 1.3, 1.25 of the Koa pass-through's in the three rounds.
    expect(comparison.gatewayCpuToKoa).toBeCloseTo(1.25);
    expect(comparison.spread?.gatewayCpuToKoa?.min).toBeCloseTo(1.2);
    expect(comparison.spread?.gatewayCpuToKoa?.max).toBeCloseTo(1.3);
    // Added latency at moderate load: p50 +0.2, +0.4, +0.25; p99 +0.5, +3.0, +0.1.
    expect(comparison.gatewayAddedAtModerate?.p50Ms).toBeCloseTo(0.25);
    expect(comparison.gatewayAddedAtModerate?.p99Ms).toBeCloseTo(0.5);
    expect(comparison.spread?.['gatewayAddedAtModerate.p99Ms']?.max).toBeCloseTo(3.0);
  });

  test('When the aims are judged, then on the medians, and the measured column shows the lowest and highest round', () => {
    const judged = aims(compareRounds(targets));

    expect(judged.map((aim) => aim.met)).toEqual([false, true, true, true]);
    expect(judged[0]?.measured).toBe('0.50 (0.50 to 0.50)');
    expect(judged[1]?.measured).toBe('1.25 (1.20 to 1.30)');
    expect(judged[3]?.measured).toBe('+0.50 ms (+0.10 ms to +3.00 ms)');
  });

  test('When a target was skipped, then the rounds compare the others and its ratios are absent', () => {
    const comparison = compareRounds([bare, koa, { name: 'gateway', skipped: 'api-gateway is not built' }]);

    expect(comparison.koaToBare).toBeCloseTo(0.6);
    expect(comparison.gatewayToBare).toBeUndefined();
    expect(comparison.spread?.gatewayToBare).toBeUndefined();
  });

  test('When printed, then the table has the medians, vs bare is the paired ratio, and the ratios say how many rounds', () => {
    const comparison = compareRounds(targets);
    const report = testReport({
      settings: {
        durationSeconds: 2,
        rounds: 3,
        warmupSeconds: 1,
        connections: 50,
        moderateRate: 1000,
        moderateConnections: 10,
      },
      targets,
      comparison,
    });

    const text = formatReport(report);

    expect(text).toContain('3 rounds, 50 connections, 2 s each after 1 s warm-up');
    expect(text).toMatch(/\(d\) api-gateway \(full stack\)\s+4000\s+0\.50\s/);
    expect(text).toContain('Medians of 3 rounds');
    expect(text).toContain('gateway / bare proxy throughput: 0.50 (0.50 to 0.50)');
    expect(text).toContain('CPU per request, gateway / Koa pass-through: 1.25 (1.20 to 1.30)');
  });
});
