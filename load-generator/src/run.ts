import { randomBytes, randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminLogin,
  CustomerPool,
  describeReply,
  SetupError,
  type Credentials,
  type Customer,
} from './accounts.js';
import { BUDGET_SETTING, BudgetMirror, type SharedBudget } from './budgets.js';
import {
  FLOWS,
  FlowRun,
  logIn,
  refreshSession,
  shuffled,
  type FlowDefinition,
  type FlowEnvironment,
} from './flows.js';
import { GatewayClient } from './gateway-client.js';
import { percentile } from './latency.js';
import { Pacer } from './pacer.js';
import { Recorder, type ErrorTally, type FlowTally, type Outcome, type StepFigures } from './recorder.js';
import { prepareCustomers, prepareProducts } from './setup.js';

/** Load products set up per stack (`LOADGEN-1` …). */
export const LOAD_PRODUCTS = 8;
/** A session is renewed when its access token has less than this left. */
const SESSION_MARGIN_MS = 60_000;
/** After the end, requests in flight may finish this long (an order's saga can take seconds). */
const DRAIN_MS = 10_000;

export interface LoadSettings {
  gatewayUrl: string;
  /** Requests per second, an upper bound. */
  rate: number;
  durationMs: number;
  customers: number;
  /** Flows in flight at once. */
  concurrency: number;
  /** Weight per flow name (FLOWS' names). */
  mix: ReadonlyMap<string, number>;
  admin: Credentials;
}

export interface LoadIo {
  /** A setup step or notice, one line. */
  info(line: string): void;
  /** Called about once a second while flows run. */
  progress(recorder: Recorder, elapsedMs: number): void;
}

export interface LoadSummary {
  target: string;
  startedAt: string;
  stoppedBy: 'duration' | 'signal';
  setup: { customers: number; products: number[]; ms: number };
  settings: {
    rate: number;
    durationMs: number;
    customers: number;
    concurrency: number;
    mix: Record<string, number>;
  };
  elapsedMs: number;
  requests: number;
  ratePerSecond: number;
  errors: number;
  latency: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number };
  statuses: Record<string, number>;
  steps: StepFigures[];
  flows: Record<string, FlowTally>;
  outcomes: Record<Outcome, number>;
  errorsByCode: ({ code: string } & ErrorTally)[];
  heldBack: Partial<Record<SharedBudget, number>>;
  /** The shared budgets as the gateway last reported them (per window). */
  budgets: Partial<Record<SharedBudget, { limit: number }>>;
}

/** Defaults that keep each customer's own budget far from its limit: see docs/load.md. */
export function defaultCustomers(rate: number): number {
  return Math.max(12, Math.ceil(rate / 5));
}

export function defaultConcurrency(rate: number, customers: number): number {
  return Math.min(customers, Math.max(4, Math.ceil(rate / 2)));
}

/**
 * Chooses flows: first every flow of the mix once, in random order (so even a short run exercises every
 * route the mix names), then by weight.
 */
export class FlowPicker {
  private readonly firstRound: FlowDefinition[];
  private readonly weighted: { flow: FlowDefinition; upTo: number }[] = [];
  private readonly total: number;

  constructor(mix: ReadonlyMap<string, number>) {
    const chosen = FLOWS.filter((flow) => (mix.get(flow.name) ?? 0) > 0);
    this.firstRound = shuffled(chosen);
    let upTo = 0;
    for (const flow of chosen) {
      upTo += mix.get(flow.name) ?? 0;
      this.weighted.push({ flow, upTo });
    }
    this.total = upTo;
  }

  /** The next flow; `available` says whether a flow's shared budget can be spent now. */
  next(available: (flow: FlowDefinition) => boolean): FlowDefinition {
    const index = this.firstRound.findIndex(available);
    if (index >= 0) return this.firstRound.splice(index, 1)[0] as FlowDefinition;
    const ticket = randomInt(this.total);
    const found = this.weighted.find((entry) => ticket < entry.upTo) ?? this.weighted[0];
    return (found as { flow: FlowDefinition }).flow;
  }
}

async function checkGateway(client: GatewayClient): Promise<void> {
  const reply = await client.call('GET', '/');
  const name = (reply.body as { name?: unknown } | undefined)?.name;
  if (reply.status === 0) {
    throw new SetupError(
      `no gateway answers at ${client.origin} (${reply.transportError ?? 'error'}): is the stack running?`,
    );
  }
  if (reply.status !== 200 || name !== 'shop-platform') {
    throw new SetupError(
      `${client.origin} does not look like the shop's gateway: GET / answered ${describeReply(reply)}`,
    );
  }
}

/**
 * One load run: checks the target, sets up (admin login, load products, customers), then runs the flows
 * until the duration is over or `stop` aborts, and returns what happened. Throws SetupError when the
 * target refuses what the run needs.
 */
export async function runLoad(settings: LoadSettings, io: LoadIo, stop: AbortSignal): Promise<LoadSummary> {
  const startedAt = new Date();
  const runId = randomBytes(3).toString('hex');
  const client = new GatewayClient(settings.gatewayUrl, { connections: settings.concurrency + 2 });
  const budgets = new BudgetMirror();
  const pool = new CustomerPool();
  let products: number[] = [];
  let setupMs = 0;
  let customersAtSetup = 0;
  const running = new AbortController();
  // Every waiting request listens to it (the pacer's sleeps): many at once is the design, not a leak.
  setMaxListeners(settings.concurrency * 2 + 20, running.signal);
  let stoppedBy: LoadSummary['stoppedBy'] | undefined;
  const end = (why: LoadSummary['stoppedBy']) => {
    stoppedBy ??= why;
    running.abort();
  };
  const onStop = () => end('signal');
  if (stop.aborted) end('signal');
  stop.addEventListener('abort', onStop, { once: true });
  let recorder = new Recorder();
  try {
    const setupStarted = Date.now();
    await checkGateway(client);
    io.info(
      `target ${client.origin}; setting up: admin login, ${LOAD_PRODUCTS} load products, ${settings.customers} customers`,
    );
    const admin = await adminLogin(client, settings.admin, {
      signal: running.signal,
      onWait: (seconds) =>
        io.info(
          `the gateway refuses logins from this address for ${seconds} s (its auth or login budget is spent; ` +
            `${BUDGET_SETTING.auth} sizes the first): waiting`,
        ),
    });
    budgets.charge('auth');
    if (admin !== undefined) products = await prepareProducts(client, admin.token, LOAD_PRODUCTS);
    let sequence = 1;
    const made = await prepareCustomers(client, budgets, {
      runId,
      firstSequence: sequence,
      count: settings.customers,
      signal: running.signal,
      onProgress(done, waiting) {
        if (waiting !== undefined) io.info(`setup: ${done}/${settings.customers} customers; ${waiting}`);
        else if (done === settings.customers || done % 25 === 0)
          io.info(`setup: ${done}/${settings.customers} customers`);
      },
    });
    sequence += settings.customers;
    for (const customer of made) pool.add(customer);
    customersAtSetup = made.length;
    setupMs = Date.now() - setupStarted;

    recorder = new Recorder();
    const env: FlowEnvironment = {
      client,
      pacer: new Pacer(settings.rate),
      recorder,
      budgets,
      pool,
      products,
      catalogPages: 1,
      signal: running.signal,
      runId,
      nextSequence: () => sequence++,
    };
    if (!running.signal.aborted) {
      io.info(
        `running ${settings.concurrency} flows at a time, at most ${settings.rate} requests/s, for ` +
          `${Math.round(settings.durationMs / 1000)} s (Ctrl-C stops early with the summary)`,
      );
    }
    const deadline = setTimeout(() => end('duration'), settings.durationMs);
    const ticker = setInterval(() => io.progress(recorder, Date.now() - recorder.startedAt), 1000);
    const picker = new FlowPicker(settings.mix);
    try {
      await Promise.all(Array.from({ length: settings.concurrency }, () => user(env, picker)));
    } finally {
      clearTimeout(deadline);
      clearInterval(ticker);
    }
    io.progress(recorder, Date.now() - recorder.startedAt);
  } finally {
    stop.removeEventListener('abort', onStop);
    // Requests already sent get their answers (for the figures), within a bound.
    const drained = client.close().then(() => true);
    const timedOut = sleep(DRAIN_MS, false, { ref: false });
    if (!(await Promise.race([drained, timedOut]))) await client.destroy();
  }
  return summarize(settings, recorder, budgets, {
    startedAt,
    stoppedBy: stoppedBy ?? 'duration',
    customers: customersAtSetup,
    products,
    setupMs,
  });
}

/** Whether a customer's session is good for another flow; renews it (refresh, else login) when not. */
async function freshSession(run: FlowRun, customer: Customer, budgets: BudgetMirror): Promise<boolean> {
  if (customer.accessExpiresAt - Date.now() > SESSION_MARGIN_MS) return true;
  if (!budgets.take('auth', 1)) return false;
  try {
    if (customer.accessExpiresAt > 0 && (await refreshSession(run, customer))) return true;
  } finally {
    budgets.release('auth', 1);
  }
  if (!budgets.take('auth', 1)) return false;
  try {
    return await logIn(run, customer);
  } finally {
    budgets.release('auth', 1);
  }
}

/** One simulated user: flow after flow until the run stops. */
async function user(env: FlowEnvironment, picker: FlowPicker): Promise<void> {
  const { budgets, recorder, pool, signal } = env;
  const affordable = (flow: FlowDefinition) =>
    flow.budget === undefined || budgets.available(flow.budget.name, flow.budget.points);
  while (!signal.aborted) {
    const flow = picker.next(affordable);
    if (flow.budget !== undefined && !budgets.take(flow.budget.name, flow.budget.points)) {
      recorder.heldBack(flow.name, flow.budget.name);
      // Something else next time; a short pause so a spent budget never turns into a busy loop.
      await sleep(20);
      continue;
    }
    const customer = flow.signedIn ? pool.checkout() : undefined;
    try {
      if (flow.signedIn && customer === undefined) {
        await sleep(20);
        continue;
      }
      const run = new FlowRun(env, flow.name);
      if (customer !== undefined && !(await freshSession(run, customer, budgets))) {
        if (!run.failed && !signal.aborted) recorder.heldBack(flow.name, 'auth');
        if (run.failed) recorder.flow(flow.name, 'failed');
        await sleep(20);
        continue;
      }
      await flow.run(run, customer);
      if (!signal.aborted || run.failed) recorder.flow(flow.name, run.failed ? 'failed' : 'completed');
    } finally {
      if (customer !== undefined) pool.checkin(customer);
      if (flow.budget !== undefined) budgets.release(flow.budget.name, flow.budget.points);
    }
  }
}

function summarize(
  settings: LoadSettings,
  recorder: Recorder,
  budgets: BudgetMirror,
  run: {
    startedAt: Date;
    stoppedBy: 'duration' | 'signal';
    customers: number;
    products: number[];
    setupMs: number;
  },
): LoadSummary {
  const elapsedMs = Math.max(1, Date.now() - recorder.startedAt);
  const sorted = recorder.latencies();
  const budgetStates: LoadSummary['budgets'] = {};
  for (const name of ['auth', 'anonymous'] as const) {
    const state = budgets.state(name);
    if (state !== undefined && state.limit > 0) budgetStates[name] = { limit: state.limit };
  }
  return {
    target: settings.gatewayUrl,
    startedAt: run.startedAt.toISOString(),
    stoppedBy: run.stoppedBy,
    setup: { customers: run.customers, products: run.products, ms: run.setupMs },
    settings: {
      rate: settings.rate,
      durationMs: settings.durationMs,
      customers: settings.customers,
      concurrency: settings.concurrency,
      mix: Object.fromEntries(settings.mix),
    },
    elapsedMs,
    requests: recorder.requests,
    ratePerSecond: (recorder.requests * 1000) / elapsedMs,
    errors: recorder.errors,
    latency: {
      p50Ms: percentile(sorted, 50),
      p90Ms: percentile(sorted, 90),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
    },
    statuses: recorder.statusCounts(),
    steps: recorder.stepFigures(),
    flows: recorder.flows(),
    outcomes: recorder.outcomeCounts(),
    errorsByCode: recorder.errorsByCode().map(([code, tally]) => ({ code, ...tally })),
    heldBack: recorder.heldBackCounts(),
    budgets: budgetStates,
  };
}
