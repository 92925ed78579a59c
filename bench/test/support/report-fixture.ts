import { aims, type BenchReport } from '../../src/report.js';

/**
 * A bench report as the tests format it: a 2-core test machine, the default settings, no micro-benchmarks and
 * the aims of `comparison`; `fields` replaces any of them.
 */
export function testReport(
  fields: Partial<BenchReport> & Pick<BenchReport, 'targets' | 'comparison'>,
): BenchReport {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', node: '20.0.0', platform: 'linux-x64' },
    settings: {
      durationSeconds: 5,
      warmupSeconds: 1,
      connections: 50,
      moderateRate: 1000,
      moderateConnections: 10,
    },
    aims: aims(fields.comparison),
    micro: [],
    ...fields,
  };
}
