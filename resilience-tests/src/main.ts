// `npm run test:resilience`: starts the platform as real processes (or targets GATEWAY_URL), runs every
// resilience scenario, prints a pass/fail table with the figures, writes results/latest.json, and exits
// non-zero when any scenario fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@shop/platform/runtime';
import { describeSettings, parseCommandLine, UsageError } from '@shop/platform/tools';
import { chaosScenario, MAX_CHAOS_SECONDS } from './chaos/chaos-scenario.js';
import { FAULT_KINDS } from './chaos/schedule.js';
import {
  deadLetterProblems,
  snapshotDeadLetters,
  type DeadLetterSnapshot,
  type ExpectedDeadLetter,
} from './dead-letters.js';
import { loadConfig, settingsSchema } from './config.js';
import { eventuallyInvariants } from './invariants.js';
import { metricValue } from './metrics-reader.js';
import { startPlatform, stopViolations, type Platform } from './platform-runner.js';
import { failuresOutsideTheFault, observed, serviceAt, type ObservedReply } from './suite/dependencies.js';
import { observeReplies, sendFrom } from './suite/http.js';
import { formatChecks, formatSuiteReport, type SuiteReport } from './suite/report.js';
import { Checks, type Scenario, type ScenarioResult } from './suite/scenario.js';
import { badInput } from './suite/scenarios/bad-input.js';
import { brokerOutage } from './suite/scenarios/broker-outage.js';
import { burst } from './suite/scenarios/burst.js';
import { deadLetterReplay } from './suite/scenarios/dead-letter-replay.js';
import { deadService } from './suite/scenarios/dead-service.js';
import { flakyUpstream } from './suite/scenarios/flaky-upstream.js';
import { lockedDatabase } from './suite/scenarios/locked-database.js';
import { lateCapture, type LateCaptureSettings } from './suite/scenarios/late-capture.js';
import { dependencyBehindHealthyService } from './suite/scenarios/dependency-behind-healthy-service.js';
import { shutdownUnderBlockedBroker } from './suite/scenarios/shutdown-under-blocked-broker.js';
import { slowService } from './suite/scenarios/slow-service.js';
import { pausedShippingDashboard } from './suite/scenarios/paused-shipping-dashboard.js';
import { budgetNotice, chooseSourceAddress, type SourceChoice } from './suite/source-address.js';
import { externalTarget, localTarget, settle, type SuiteTarget } from './suite/target.js';

// late-capture holds calls past order-service's call deadline + clock allowance: 3 s + 1 s on a started
// stack (SUITE_TUNING), 10 s + 1 s with the defaults of an external one.
const LATE_HOLD = {
  started: { holdMs: 5000, windowMs: 1500 },
  external: { holdMs: 15_000, windowMs: 3000 },
} as const satisfies Record<string, LateCaptureSettings>;

const USAGE = [
  'Usage: npm run test:resilience [-- --help]',
  '       npm run test:resilience -- --chaos <seconds> [--seed <n>]',
  '',
  'Starts the whole platform as real processes on free ports in a temporary data directory (or targets',
  'GATEWAY_URL), injects each fault into it, checks what users see and that no data is lost, prints a',
  'pass/fail table with the figures and writes a JSON report. Takes a few minutes; progress is printed.',
  '',
  'Environment:',
  ...describeSettings(settingsSchema),
  '',
  'Scenarios, in the order they run:',
  ...((all) => {
    const width = Math.max(...all.map((scenario) => scenario.name.length)) + 2;
    return all.map((scenario) => `  ${scenario.name.padEnd(width)}${scenario.title}`);
  })(allScenarios(1500, LATE_HOLD.started)),
  '',
  `Randomized fault mode (--chaos): instead of the scenarios, for <seconds> (1-${MAX_CHAOS_SECONDS}) a`,
  'schedule drawn from --seed (default: a random one, printed) hits the started stack while 4 simulated',
  'customers order, cancel and read (about 8 requests/s in all, 127.0.0.1 only). Fault kinds:',
  ...Object.entries(FAULT_KINDS).map(([kind, meaning]) => `  ${kind.padEnd(15)}${meaning}`),
  'api-gateway is never hit (it carries the traffic and the admin API). Then every fault is undone, the',
  'stack settles, and every invariant is checked (money, stock, nothing PENDING, empty dead-letter queues,',
  'no 5xx outside a disturbed dependency, every SIGTERM exit within the shutdown deadline). The same seed',
  'gives the same schedule; a failure prints the command that replays it. Needs a started stack (no',
  'GATEWAY_URL); RESILIENCE_SCENARIOS is ignored. Takes <seconds> + about a minute.',
  '',
  'Exit codes: 0 every scenario passed or was skipped, 1 a scenario failed, 2 it could not run.',
].join('\n');

interface CommandLine {
  chaosSeconds?: number;
  seed?: number;
}

function commandLine(argv: readonly string[]): CommandLine | number {
  try {
    const { values, positionals } = parseCommandLine(argv, {
      help: { type: 'boolean', short: 'h' },
      chaos: { type: 'string' },
      seed: { type: 'string' },
    });
    if (values.help === true) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0] ?? ''}`);
    const whole = (name: string, text: string | undefined, min: number, max: number) => {
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!/^\d+$/.test(text) || value < min || value > max) {
        throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${text}`);
      }
      return value;
    };
    const chaosSeconds = whole('chaos', values.chaos, 1, MAX_CHAOS_SECONDS);
    const seed = whole('seed', values.seed, 0, 4_294_967_295);
    if (seed !== undefined && chaosSeconds === undefined) throw new UsageError('--seed goes with --chaos');
    return {
      ...(chaosSeconds !== undefined && { chaosSeconds }),
      ...(seed !== undefined && { seed }),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
}

const parsed = commandLine(process.argv.slice(2));
if (typeof parsed === 'number') process.exit(parsed);
const cli: CommandLine = parsed;

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n(npm run test:resilience -- --help lists the settings)\n`);
    process.exit(2);
  }
})();
const say = (text: string) => process.stdout.write(`[resilience] ${text}\n`);

// Shorter breaker resets and saga timeouts than production, so each fault and its recovery fit in seconds.
// The gateway breaker opens at 25 % failures: with the flaky scenario's 50 % error rate it then opens
// every run, where the default 50 % threshold would make opening a coin toss.
// order-service's per-call budget (800 ms x 2 attempts) makes an unknown payment outcome answer 202 in seconds;
// a reservation or charge may land until 3 s after it was sent, so late-capture's held calls (5 s) arrive late.
const SUITE_TUNING: Record<string, Record<string, string>> = {
  'api-gateway': { BREAKER_RESET_TIMEOUT_MS: '2000', BREAKER_ERROR_THRESHOLD_PERCENTAGE: '25' },
  'order-service': {
    UPSTREAM_TIMEOUT_MS: '800',
    UPSTREAM_RETRIES: '1',
    ORDER_RECOVERY_INTERVAL_MS: '500',
    ORDER_RECOVERY_MIN_AGE_MS: '2000',
    ORDER_RETRY_BASE_MS: '200',
    ORDER_RETRY_MAX_MS: '2000',
    ORDER_CALL_DEADLINE_MS: '3000',
  },
  // locked-database watches readiness turn not ready during a 4 s lock: probe the database every second.
  'inventory-service': { DB_WRITE_PROBE_INTERVAL_MS: '1000' },
};

/** Every scenario, in the order they run; burst runs last: on an external stack it spends this IP's login budget. */
function allScenarios(latencyMs: number, late: LateCaptureSettings): Scenario[] {
  return [
    badInput,
    flakyUpstream,
    deadService,
    pausedShippingDashboard,
    slowService({ latencyMs }),
    lateCapture(late),
    dependencyBehindHealthyService,
    brokerOutage,
    deadLetterReplay,
    shutdownUnderBlockedBroker,
    lockedDatabase,
    burst,
  ];
}

function scenarios(external: boolean): Scenario[] {
  if (cli.chaosSeconds !== undefined) {
    const seed = cli.seed ?? Math.floor(Math.random() * 4_294_967_296);
    const prefix = config.AMQP_URL ? `AMQP_URL=${withoutPassword(config.AMQP_URL)} ` : '';
    return [
      chaosScenario({
        seed,
        durationMs: cli.chaosSeconds * 1000,
        reproduce: `${prefix}npm run test:resilience -- --chaos ${cli.chaosSeconds} --seed ${seed}`,
      }),
    ];
  }
  const late = external ? LATE_HOLD.external : LATE_HOLD.started;
  const all = allScenarios(config.RESILIENCE_PAYMENT_LATENCY_MS ?? (external ? 2500 : 1500), {
    ...late,
    holdMs: config.RESILIENCE_LATE_HOLD_MS ?? late.holdMs,
  });
  const wanted = config.RESILIENCE_SCENARIOS;
  const unknown = wanted.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `RESILIENCE_SCENARIOS: no scenario named ${unknown.join(', ')}; they are ${all.map((s) => s.name).join(', ')}`,
    );
  }
  return wanted.length ? all.filter((s) => wanted.includes(s.name)) : all;
}

/** The URL with its password replaced by ***, for a command line that is printed. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<your AMQP_URL>';
  }
}

/** The invariants once a scenario's traffic has stopped, with order-service's own refund bound. */
async function settledInvariants(
  platform: Platform,
  outages: readonly { from: number; to: number }[] = [],
): Promise<string[]> {
  const orderService = platform.urls['order-service'];
  const boundSeconds = orderService
    ? await metricValue(orderService, 'order_refund_bound_seconds').catch(() => undefined)
    : undefined;
  return eventuallyInvariants(platform, {
    timeoutMs: 30_000,
    pendingDeadlineMs: 0,
    outages,
    ...(boundSeconds !== undefined && { refundBoundMs: boundSeconds * 1000 }),
  });
}

async function runScenario(scenario: Scenario, target: SuiteTarget): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { name: scenario.name, title: scenario.title, figures: {}, checks: [] };
  const skip = await scenario.skipReason(target);
  if (skip) return { ...base, status: 'skip', reason: skip, durationMs: 0 };

  const checks = new Checks();
  const figures: Record<string, unknown> = {};
  const unsettled = await settle(target);
  if (unsettled.length) {
    return {
      ...base,
      status: 'fail',
      reason: `no healthy baseline: ${unsettled.join('; ')}`,
      durationMs: Date.now() - started,
    };
  }
  let timer: NodeJS.Timeout | undefined;
  const expectedDeadLetters: ExpectedDeadLetter[] = [];
  const outages: { from: number; to: number }[] = [];
  const deadLettersBefore: DeadLetterSnapshot | undefined = target.platform
    ? await snapshotDeadLetters(target.platform)
    : undefined;
  const stopsBefore = target.platform?.stops.length ?? 0;
  // The suite-wide shutdown invariant, checked on every stop the scenario made.
  const checkStops = (): void => {
    const stops = target.platform?.stops.slice(stopsBefore) ?? [];
    if (stops.length > 0) {
      checks.none(
        `every process stopped exits 0 within its shutdown deadline (${stops.map((s) => s.service).join(', ')})`,
        stopViolations(stops),
      );
    }
  };
  // Every reply of the scenario, tagged with what its request depended on, for the cascade invariant.
  const replies: ObservedReply[] = [];
  observeReplies((method, path, reply, baseUrl) =>
    replies.push(observed(method, path, reply, serviceAt(baseUrl, target.platform?.urls))),
  );
  const checkNoCascade = (): void => {
    observeReplies(undefined);
    figures.requestsSent = replies.length;
    checks.none(
      'no 5xx for requests that do not depend on the failing component',
      failuresOutsideTheFault(replies, scenario.failing),
    );
  };
  try {
    const traffic = await Promise.race([
      scenario.run({
        target,
        platform: target.platform,
        broker: target.platform?.broker,
        checks,
        figures,
        progress: (message) => say(`${scenario.name}: ${message}`),
        expectDeadLetters: (match) => expectedDeadLetters.push(match),
        disturbed: (component, from, to) => {
          if (component === 'order-service' || component === 'payment-service') outages.push({ from, to });
        },
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${scenario.timeoutMs / 1000} s`)),
          scenario.timeoutMs,
        );
      }),
    ]);
    checkStops();
    checkNoCascade();
    if (target.platform) {
      checks.none(
        'platform invariants hold after the scenario (stock, money, nothing PENDING)',
        await settledInvariants(target.platform, outages),
      );
    }
    if (target.platform && deadLettersBefore) {
      checks.none(
        expectedDeadLetters.length
          ? 'every dead letter is poison the scenario injected (no legitimate event dead-lettered)'
          : 'every dead-letter queue is empty (no legitimate event dead-lettered)',
        await deadLetterProblems(target.platform, deadLettersBefore, expectedDeadLetters),
      );
    }
    const failed = checks.failed[0];
    return {
      ...base,
      status: failed ? 'fail' : 'pass',
      ...(failed ? { reason: failed.name } : {}),
      durationMs: Date.now() - started,
      ...(traffic ? { traffic } : {}),
      figures,
      checks: checks.list,
    };
  } catch (error) {
    checkStops();
    checkNoCascade();
    return {
      ...base,
      status: 'fail',
      reason: (error as Error).message,
      durationMs: Date.now() - started,
      figures,
      checks: [
        ...checks.list,
        { name: 'scenario ran to the end', ok: false, detail: (error as Error).message },
      ],
    };
  } finally {
    observeReplies(undefined);
    clearTimeout(timer);
  }
}

/** Stops the started platform and reports, as a row of its own, whether every process exited in time. */
async function platformShutdown(platform: Platform): Promise<ScenarioResult> {
  const started = Date.now();
  say('stopping the platform (SIGTERM to every process)');
  const stops = await platform.shutdown();
  const checks = new Checks();
  checks.none(
    `every process exits 0 within its shutdown deadline (${platform.shutdownTimeoutMs('api-gateway')} ms)`,
    stopViolations(stops),
  );
  const failed = checks.failed[0];
  return {
    name: 'platform-shutdown',
    title: 'every process exits within the shutdown deadline',
    status: failed ? 'fail' : 'pass',
    ...(failed ? { reason: failed.name } : {}),
    durationMs: Date.now() - started,
    figures: {
      exits: stops.map((stop) => ({
        service: stop.service,
        durationMs: stop.durationMs,
        exitCode: stop.exitCode,
      })),
    },
    checks: checks.list,
  };
}

async function main(): Promise<number> {
  const startedAt = new Date().toISOString();
  const selected = scenarios(!!config.GATEWAY_URL);
  let platform: Platform | undefined;
  let target: SuiteTarget;
  let transport: string;
  let source: SourceChoice | undefined;

  if (config.GATEWAY_URL && cli.chaosSeconds !== undefined) {
    say(
      '--chaos needs a stack the suite starts itself (it kills, pauses and restarts processes): unset GATEWAY_URL',
    );
    return 2;
  }
  if (config.GATEWAY_URL) {
    if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) {
      say('GATEWAY_URL is set: also set ADMIN_EMAIL and ADMIN_PASSWORD of that stack');
      return 2;
    }
    source = await chooseSourceAddress(config.GATEWAY_URL, config.RESILIENCE_SOURCE_ADDRESS);
    sendFrom(source.address);
    say(`sending from ${source.address ?? 'this machine’s own address'} (${source.reason})`);
    target = await externalTarget(config.GATEWAY_URL, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
    });
    transport = 'unknown (external stack)';
    say(`targeting ${config.GATEWAY_URL}; process-level faults are skipped`);
  } else {
    const env: Record<string, string> = config.AMQP_URL ? { AMQP_URL: config.AMQP_URL } : {};
    say(`starting the platform (events: ${config.AMQP_URL ? 'RabbitMQ' : 'embedded SQLite queue'})...`);
    platform = await startPlatform({ chaos: true, env, serviceEnv: SUITE_TUNING });
    transport = platform.broker
      ? `RabbitMQ, private vhost ${platform.broker.vhost}`
      : config.AMQP_URL
        ? 'RabbitMQ (rabbitmqctl unavailable: broker-outage stops the consumer instead)'
        : 'embedded SQLite queue';
    say(`started ${platform.services.join(', ')}; data in ${platform.dataDir}`);
    target = localTarget(platform);
  }

  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) {
      say(`${scenario.name}: ${scenario.title}`);
      const result = await runScenario(scenario, target);
      results.push(result);
      say(`${scenario.name}: ${result.status.toUpperCase()}${result.reason ? ` (${result.reason})` : ''}`);
      if (result.checks.length) process.stdout.write(`${formatChecks(result)}\n`);
    }
  } finally {
    if (platform) results.push(await platformShutdown(platform));
  }

  const report: SuiteReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    target: {
      mode: platform ? 'started' : 'external',
      gatewayUrl: target.gatewayUrl,
      transport,
      services: target.services,
    },
    passed: results.every((r) => r.status !== 'fail'),
    scenarios: results,
  };
  const out =
    config.RESILIENCE_REPORT ??
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results', 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${formatSuiteReport(report)}\n\nreport: ${out}\n`);
  const chaos = results.find((result) => result.name === 'chaos');
  if (chaos && typeof chaos.figures.reproduce === 'string') {
    process.stdout.write(
      `\nchaos seed ${String(chaos.figures.seed)}: ${report.passed ? 'PASS' : 'FAIL'}. ` +
        `${report.passed ? 'Same schedule again' : 'To reproduce'}: ${chaos.figures.reproduce}\n`,
    );
  }
  if (source) process.stdout.write(`\n${budgetNotice(target.gatewayUrl, source).join('\n')}\n`);
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`resilience suite could not run: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
