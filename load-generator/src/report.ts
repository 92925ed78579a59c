import { formatTable } from '@shop/platform/tools';
import { BUDGET_SETTING, type SharedBudget } from './budgets.js';
import { formatDuration } from './duration.js';
import type { Recorder } from './recorder.js';
import type { LoadSummary } from './run.js';

const ms = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : '-';

function topErrors(entries: readonly (readonly [string, { count: number }])[], limit: number): string {
  if (entries.length === 0) return 'none';
  const shown = entries.slice(0, limit).map(([code, tally]) => `${code} ×${tally.count}`);
  return entries.length > limit ? `${shown.join(', ')}, …` : shown.join(', ');
}

/**
 * The live line: elapsed of planned, the rate and p50/p99 of the last ten seconds, flows and orders so
 * far, and unexpected answers by code over the whole run.
 */
export function progressLine(recorder: Recorder, elapsedMs: number, plannedMs: number, rate: number): string {
  const window = recorder.window();
  const outcomes = recorder.outcomeCounts();
  let flows = 0;
  for (const tally of Object.values(recorder.flows())) flows += tally.completed + tally.failed;
  const orders = outcomes.ordersConfirmed + outcomes.ordersPending;
  return (
    `${formatDuration(elapsedMs)} / ${formatDuration(plannedMs)}  ` +
    `${window.ratePerSecond.toFixed(1)} req/s (max ${rate})  p50 ${ms(window.p50Ms)}  p99 ${ms(window.p99Ms)}  ` +
    `flows ${flows}  orders ${orders}  errors ${recorder.errors}: ${topErrors(recorder.errorsByCode(), 3)}`
  );
}

const OUTCOME_LABELS: Record<keyof LoadSummary['outcomes'], string> = {
  ordersConfirmed: 'orders confirmed',
  ordersPending: 'orders pending (202)',
  ordersDeclined: 'orders declined (card declined, expected)',
  ordersCancelled: 'orders cancelled by their customer',
  customersRegistered: 'customers signed up during the run',
  logins: 'logins during the run',
  logouts: 'logouts',
  tokenRefreshes: 'token refreshes',
  productsViewed: 'product pages viewed',
  notificationsRead: 'notifications listed',
};

/** The end-of-run summary, for people. */
export function formatSummary(summary: LoadSummary): string {
  const lines: string[] = [];
  const ended =
    summary.stoppedBy === 'signal'
      ? `stopped by Ctrl-C after ${formatDuration(summary.elapsedMs)} of ${formatDuration(summary.settings.durationMs)}`
      : `ran ${formatDuration(summary.elapsedMs)}`;
  lines.push(`Load run against ${summary.target}: ${ended}`);
  lines.push(
    `setup: ${summary.setup.customers} customers, load products ${summary.setup.products.join(', ') || '-'}, ` +
      `${formatDuration(summary.setup.ms)}`,
  );
  const errorShare = summary.requests > 0 ? ((summary.errors * 100) / summary.requests).toFixed(2) : '0.00';
  lines.push(
    `requests ${summary.requests} (${summary.ratePerSecond.toFixed(1)}/s, at most ${summary.settings.rate}/s asked), ` +
      `unexpected answers ${summary.errors} (${errorShare} %)`,
  );
  lines.push(
    `latency p50 ${ms(summary.latency.p50Ms)}, p90 ${ms(summary.latency.p90Ms)}, ` +
      `p99 ${ms(summary.latency.p99Ms)}, max ${ms(summary.latency.maxMs)}`,
  );
  lines.push('');
  lines.push(
    formatTable(
      ['step', 'requests', 'p50', 'p99', 'unexpected'],
      summary.steps.map((step) => [
        step.step,
        String(step.count),
        ms(step.p50Ms),
        ms(step.p99Ms),
        String(step.errors),
      ]),
      { rule: false },
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      ['flow', 'completed', 'failed', 'held back'],
      Object.entries(summary.flows)
        .sort((a, b) => b[1].completed + b[1].failed - (a[1].completed + a[1].failed))
        .map(([name, tally]) => [
          name,
          String(tally.completed),
          String(tally.failed),
          String(tally.heldBack),
        ]),
      { rule: false },
    ),
  );
  lines.push('');
  lines.push(
    'what users did: ' +
      Object.entries(summary.outcomes)
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `${OUTCOME_LABELS[name as keyof LoadSummary['outcomes']]} ${count}`)
        .join(', '),
  );
  if (summary.errorsByCode.length === 0) {
    lines.push('unexpected answers: none');
  } else {
    lines.push('unexpected answers by code (trace one with npm run trace -- <correlation ID>):');
    const rows = summary.errorsByCode.map((entry) => [
      `  ${entry.code}`,
      String(entry.count),
      entry.example ?? '-',
    ]);
    lines.push(formatTable(['  code', 'count', 'example correlation ID'], rows, { rule: false }));
  }
  const held = Object.entries(summary.heldBack) as [SharedBudget, number][];
  for (const [budget, count] of held) {
    const limit = summary.budgets[budget]?.limit;
    lines.push(
      `held back: ${count} ${budget} flow starts waited for the gateway's ${budget} budget of this address` +
        `${limit === undefined ? '' : ` (${limit} per window)`}; raise ${BUDGET_SETTING[budget]} on the gateway to let them through`,
    );
  }
  return lines.join('\n');
}
