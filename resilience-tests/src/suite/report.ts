import type { ScenarioResult } from './scenario.js';

export interface SuiteReport {
  startedAt: string;
  finishedAt: string;
  target: {
    mode: 'started' | 'external';
    gatewayUrl: string;
    transport: string;
    services: readonly string[];
  };
  passed: boolean;
  scenarios: ScenarioResult[];
}

/** `{"201": 3, "503 upstream_unavailable": 12}` -> `503 upstream_unavailable x12, 201 x3` (most frequent first). */
export function formatBreakdown(breakdown: Readonly<Record<string, number>>): string {
  return Object.entries(breakdown)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([outcome, count]) => `${outcome} x${count}`)
    .join(', ');
}

const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The pass/fail table: one row per scenario with its traffic figures, then every failed check. */
export function formatSuiteReport(report: SuiteReport): string {
  const rows = report.scenarios.map((s) => [
    s.name,
    s.status.toUpperCase(),
    s.traffic ? String(s.traffic.requests) : '-',
    ms(s.traffic?.p50Ms),
    ms(s.traffic?.p99Ms),
    `${(s.durationMs / 1000).toFixed(1)} s`,
    s.status === 'skip' ? (s.reason ?? '') : s.traffic ? formatBreakdown(s.traffic.breakdown) : '',
  ]);
  const lines = [
    `Resilience suite against ${report.target.mode === 'started' ? 'a started platform' : 'an external stack'} ` +
      `(${report.target.gatewayUrl}, events: ${report.target.transport})`,
    '',
    table(['scenario', 'result', 'requests', 'p50 ms', 'p99 ms', 'took', 'outcomes / reason'], rows),
  ];
  const failures = report.scenarios.filter((s) => s.status === 'fail');
  if (failures.length) {
    lines.push('', 'Failures:');
    for (const scenario of failures) {
      if (scenario.reason && !scenario.checks.some((c) => !c.ok))
        lines.push(`  ${scenario.name}: ${scenario.reason}`);
      for (const check of scenario.checks.filter((c) => !c.ok)) {
        lines.push(`  ${scenario.name}: ${check.name}${check.detail ? ` -- ${check.detail}` : ''}`);
      }
    }
  }
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const s of report.scenarios) counts[s.status] += 1;
  lines.push(
    '',
    `${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped: ${report.passed ? 'PASS' : 'FAIL'}`,
  );
  return lines.join('\n');
}

/** One scenario's checks as they finish, for the progress log. */
export function formatChecks(result: ScenarioResult): string {
  return result.checks
    .map((c) => `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`)
    .join('\n');
}
