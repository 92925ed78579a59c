import { setTimeout as sleep } from 'node:timers/promises';
import { DATA_SERVICES } from '@shop/platform/contracts';
import { newCustomer, type TestCustomer } from '../accounts.js';
import type { Platform } from '../platform-runner.js';
import { dependenciesOf } from '../suite/dependencies.js';
import { send, type Reply } from '../suite/http.js';
import type { Scenario, ScenarioContext } from '../suite/scenario.js';
import { outcomeOf, Tally } from '../suite/tally.js';
import {
  createProduct,
  healFault,
  injectFault,
  unmetNeeds,
  placeOrder,
  type Product,
  type SuiteTarget,
} from '../suite/target.js';
import {
  chaosSchedule,
  faultComponent,
  formatSchedule,
  seededRandom,
  type ScheduledFault,
} from './schedule.js';
import { runFaultsInLanes } from './lanes.js';

export interface ChaosSettings {
  seed: number;
  /** Length of the fault phase, in ms. */
  durationMs: number;
  /** Simulated customers, each one request at a time. Default 4. */
  customers?: number;
  /** How the run is reproduced, printed on failure, e.g. `npm run test:resilience -- --chaos 120 --seed 42`. */
  reproduce?: string;
}

/** Longest fault phase the suite accepts (access tokens live 15 minutes). */
export const MAX_CHAOS_SECONDS = 600;
const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
/** After a fault ends, breakers (the gateway's 2 s, order-service's 10 s) and restarts need this to heal. */
const AFTERMATH_MS = 15_000;
/** Each customer waits 250-750 ms between requests: about 2 requests/s each, whatever the faults do. */
const THINK_MS = [250, 750] as const;

interface TimedReply {
  method: string;
  path: string;
  sentAt: number;
  reply: Reply;
}

interface Disturbance {
  component: string;
  from: number;
  to: number;
}

/**
 * The randomized fault mode: for `durationMs`, a seeded schedule of kills, graceful restarts, pauses,
 * latency, error rates and (on RabbitMQ) broker outages hits the stack while simulated customers order,
 * cancel and read. Then every fault is undone and the suite's checks follow as after any scenario: the
 * invariants (money, stock, nothing pending), empty dead-letter queues, every SIGTERM exit within the
 * deadline; plus, here, no 5xx for a request none of whose dependencies was disturbed while it ran.
 */
export function chaosScenario(settings: ChaosSettings): Scenario {
  return {
    name: 'chaos',
    title: `randomized faults for ${settings.durationMs / 1000} s, seed ${settings.seed}`,
    timeoutMs: settings.durationMs + 240_000,
    // Every component fails at some point; the scenario checks the cascade invariant itself, per fault window.
    failing: [...DATA_SERVICES, 'event-bus'],
    skipReason: (target) => unmetNeeds(target, NEEDED, { processControl: true, chaos: true }),
    run: (context) => runChaos(settings, context),
  };
}

/** The schedule a run with these settings uses on this platform. */
function scheduleFor(settings: ChaosSettings, platform: Platform): ScheduledFault[] {
  return chaosSchedule({
    seed: settings.seed,
    durationMs: settings.durationMs,
    services: platform.services.filter((name) => name !== 'api-gateway'),
    brokerOutages: platform.broker !== undefined,
  });
}

async function runChaos(settings: ChaosSettings, context: ScenarioContext) {
  const { target, checks, figures, progress } = context;
  const platform = target.platform;
  if (!platform) return undefined;
  const schedule = scheduleFor(settings, platform);
  figures.seed = settings.seed;
  figures.durationSeconds = settings.durationMs / 1000;
  figures.schedule = schedule;
  if (settings.reproduce) figures.reproduce = settings.reproduce;
  progress(`seed ${settings.seed}: ${schedule.length} faults over ${settings.durationMs / 1000} s`);
  for (const line of formatSchedule(schedule)) progress(line);

  const products = await Promise.all([createProduct(target, 5000), createProduct(target, 5000)]);
  const customers = await Promise.all(
    Array.from({ length: settings.customers ?? 4 }, () => newCustomer(target)),
  );
  const traffic = new Tally();
  const timed: TimedReply[] = [];
  const disturbances: Disturbance[] = [];
  const executed: string[] = [];
  const started = Date.now();
  const deadline = started + settings.durationMs;
  const active = new Set<string>();

  const late: string[] = [];
  const faults = runFaultsInLanes(
    schedule,
    (fault) => applyFault(target, platform, fault),
    { startedAt: started },
    (fault) => active.add(`${fault.kind} ${fault.target}`),
    ({ fault, from, to, lateMs, error }) => {
      const label = `${fault.kind} ${fault.target}`;
      active.delete(label);
      executed.push(`${label}: ${error ? (error.message.split('\n')[0] ?? '') : 'ok'}`);
      if (lateMs > 0) {
        late.push(`${label} +${(fault.atMs / 1000).toFixed(1)} s: ${(lateMs / 1000).toFixed(1)} s late`);
        progress(
          `${label} (+${(fault.atMs / 1000).toFixed(1)} s) applied ${(lateMs / 1000).toFixed(1)} s late: the fault before it on its lane ended late`,
        );
      }
      const disturbance = { component: faultComponent(fault), from, to: to + AFTERMATH_MS };
      disturbances.push(disturbance);
      context.disturbed(disturbance.component, disturbance.from, disturbance.to);
    },
  );

  const random = seededRandom(settings.seed ^ 0x5eed);
  const shoppers = customers.map((customer, index) =>
    shop(customer, products, target, deadline, random, (method, path, sentAt, reply) => {
      traffic.add(reply);
      timed.push({ method, path, sentAt, reply });
    }).catch((error: unknown) => {
      throw new Error(`customer ${index + 1}: ${(error as Error).message}`);
    }),
  );

  const ticker = setInterval(() => {
    const elapsed = Math.min(settings.durationMs, Date.now() - started) / 1000;
    const counts = { ok: 0, e4xx: 0, e5xx: 0, none: 0 };
    for (const reply of traffic.replies) {
      if (reply.status === 0) counts.none += 1;
      else if (reply.status >= 500) counts.e5xx += 1;
      else if (reply.status >= 400) counts.e4xx += 1;
      else counts.ok += 1;
    }
    progress(
      `${elapsed.toFixed(0)}/${settings.durationMs / 1000} s, ${executed.length}/${schedule.length} faults done` +
        ` (active: ${active.size ? [...active].join(', ') : 'none'}); requests ${traffic.replies.length}:` +
        ` ${counts.ok} 2xx, ${counts.e4xx} 4xx, ${counts.e5xx} 5xx, ${counts.none} no answer`,
    );
  }, 5_000);
  try {
    await Promise.all([...faults, ...shoppers]);
  } finally {
    clearInterval(ticker);
  }
  progress('fault phase over: every fault undone; settling');
  await undoEverything(target, platform);

  figures.faultsApplied = executed;
  figures.faultsLate = late;
  figures.outcomes = traffic.summary().breakdown;
  checks.none(
    'every scheduled fault was applied and undone',
    executed.filter((line) => !line.endsWith(': ok')),
  );
  checks.check(
    'customers placed orders during the faults',
    traffic.count((reply) => reply.status === 201 || reply.status === 202) > 0,
    `${traffic.count((reply) => reply.status === 201)} confirmed at once, ` +
      `${traffic.count((reply) => reply.status === 202)} pending`,
  );
  checks.none(
    'no 5xx (or timeout) for a request none of whose dependencies was disturbed while it ran',
    undisturbedFailures(timed, disturbances),
  );
  return traffic.summary();
}

async function applyFault(target: SuiteTarget, platform: Platform, fault: ScheduledFault): Promise<void> {
  switch (fault.kind) {
    case 'kill':
      await platform.kill(fault.target, 'SIGKILL');
      await sleep(fault.durationMs);
      await platform.start(fault.target);
      return;
    case 'restart':
      await platform.restart(fault.target);
      return;
    case 'pause':
      platform.pause(fault.target);
      await sleep(fault.durationMs);
      platform.resume(fault.target);
      return;
    case 'latency':
    case 'errors':
      await injectPersistently(target, fault);
      await sleep(fault.durationMs);
      await healFault(target, fault.target);
      return;
    case 'broker-outage': {
      const broker = platform.broker;
      if (!broker) throw new Error('no private vhost: broker outages need RabbitMQ with rabbitmqctl');
      await broker.outage();
      try {
        await sleep(fault.durationMs);
      } finally {
        await broker.restore();
      }
      return;
    }
  }
}

/**
 * POST /admin/chaos/<service>, tried again for up to 10 s: the gateway's breaker on a service that was just
 * failing (the last fault) refuses admin calls too until it half-opens (2 s here). The fault lasts its
 * duration from the moment it is accepted.
 */
async function injectPersistently(target: SuiteTarget, fault: ScheduledFault): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await injectFault(target, fault.target, {
        latencyMs: fault.latencyMs ?? 0,
        errorRate: fault.errorRate ?? 0,
        durationMs: fault.durationMs,
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/** Whatever a failed fault left behind: every process running and resumed, the vhost granted, chaos off. */
async function undoEverything(target: SuiteTarget, platform: Platform): Promise<void> {
  await platform.broker?.restore().catch(() => undefined);
  for (const name of platform.services) {
    if (platform.isRunning(name)) platform.resume(name);
    else await platform.start(name);
  }
  for (const name of platform.services) {
    if (name !== 'api-gateway') await healFault(target, name).catch(() => undefined);
  }
}

type Record_ = (method: string, path: string, sentAt: number, reply: Reply) => void;

/** One simulated customer until `deadline`: places orders, cancels some, reads its orders and products. */
async function shop(
  customer: TestCustomer,
  products: readonly Product[],
  target: SuiteTarget,
  deadline: number,
  random: () => number,
  record: Record_,
): Promise<void> {
  const orders: string[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const sentAt = Date.now();
    const reply = await send(target.gatewayUrl, method, path, {
      token: customer.token,
      ...(body !== undefined && { body }),
      timeoutMs: 15_000,
    });
    record(method, path, sentAt, reply);
    return reply;
  };
  while (Date.now() < deadline) {
    const roll = random();
    const product = products[Math.floor(random() * products.length)] ?? products[0];
    if (roll < 0.45 && product) {
      const sentAt = Date.now();
      const reply = await placeOrder(target, customer.token, product.id, 1 + Math.floor(random() * 2));
      record('POST', '/api/orders', sentAt, reply);
      const id = (reply.body as { id?: unknown } | undefined)?.id;
      if ((reply.status === 201 || reply.status === 202) && typeof id === 'string') orders.push(id);
    } else if (roll < 0.6 && orders.length > 0) {
      const id = orders.splice(Math.floor(random() * orders.length), 1)[0] ?? '';
      await call('POST', `/api/orders/${id}/cancel`);
    } else if (roll < 0.8) {
      await call('GET', '/api/orders?limit=10');
    } else if (product) {
      await call('GET', `/api/products/${product.id}`);
    }
    await sleep(THINK_MS[0] + random() * (THINK_MS[1] - THINK_MS[0]));
  }
}

/** Replies that failed although nothing they depend on was disturbed between sending and answering. */
function undisturbedFailures(replies: readonly TimedReply[], disturbances: readonly Disturbance[]): string[] {
  const timedOut = new Set(['TimeoutError', 'AbortError', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
  return replies
    .filter(({ reply }) => reply.status >= 500 || (reply.status === 0 && timedOut.has(reply.error ?? '')))
    .filter(({ method, path, sentAt, reply }) => {
      const needs = dependenciesOf(method, path);
      const end = sentAt + reply.ms;
      return !disturbances.some(
        (d) => needs.includes(d.component as never) && d.from <= end && d.to >= sentAt,
      );
    })
    .map(
      ({ method, path, sentAt, reply }) =>
        `${new Date(sentAt).toISOString()} ${method} ${path} -> ${outcomeOf(reply)} (needs ` +
        `${dependenciesOf(method, path).join(', ')})`,
    );
}
