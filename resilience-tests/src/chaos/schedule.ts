// The fault schedule of the randomized fault mode (`npm run test:resilience -- --chaos <s> --seed <n>`): a
// pure function of its options, so the same seed always gives the same faults at the same moments.

/** What a fault does; see FAULT_KINDS for each one's meaning. */
export type FaultKind = 'kill' | 'restart' | 'pause' | 'latency' | 'errors' | 'broker-outage';

export const FAULT_KINDS: Readonly<Record<FaultKind, string>> = {
  kill: 'SIGKILL, down for the duration, then started again by the runner',
  restart: 'SIGTERM (graceful stop, must exit within its shutdown deadline), then started again',
  pause: 'SIGSTOP for the duration (holds its connections, answers nothing), then SIGCONT',
  latency: "added latency on every request (the service's chaos endpoint, through the gateway admin API)",
  errors: 'a share of requests answers 500 (chaos endpoint)',
  'broker-outage': "RabbitMQ only: the stack's private vhost loses its permissions and connections",
};

export interface ScheduledFault {
  /** Milliseconds after the fault phase began. */
  atMs: number;
  kind: FaultKind;
  /** The service it hits; 'event-bus' for a broker outage. */
  target: string;
  /** How long the fault lasts (a kill: how long the service stays down; a restart: 0). */
  durationMs: number;
  latencyMs?: number;
  errorRate?: number;
}

export interface ScheduleOptions {
  seed: number;
  /** Length of the fault phase; every fault ends inside it. */
  durationMs: number;
  /** Services that may be hit (the suite leaves api-gateway out: it carries the admin API and the traffic). */
  services: readonly string[];
  /** Whether broker outages are possible (RabbitMQ with a private vhost). */
  brokerOutages: boolean;
}

/**
 * Services consumers call to verify the aggregate an event is about (docs/decisions/0032): faults on them are
 * spaced so that an event's last retry (1 s, 5 s, 30 s after the first try) always finds them healthy. A
 * legitimate event is then never dead-lettered, and the suite can demand empty dead-letter queues.
 */
export const AGGREGATE_OWNERS: readonly string[] = ['order-service', 'customer-service', 'payment-service'];
/** The consumers' retries span 36 s; a fault on an owner lasts at most 8 s (+ a restart). */
export const OWNER_GAP_MS = 45_000;
/** Quiet time on one service between two of its faults. */
export const SERVICE_GAP_MS = 3_000;

const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['kill', 2],
  ['restart', 1],
  ['pause', 2],
  ['latency', 3],
  ['errors', 3],
  ['broker-outage', 1],
];

/** mulberry32: a small, fast, well-mixed 32-bit generator; deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The faults of one run, in time order. At most one fault per service at a time, with SERVICE_GAP_MS between
 * two on the same service; at most one fault on the aggregate owners together, with OWNER_GAP_MS between
 * them; at most one broker outage at a time. Faults start from 1 s into the phase, 1 to 4 s apart, and all
 * end before it does.
 */
export function chaosSchedule(options: ScheduleOptions): ScheduledFault[] {
  const random = seededRandom(options.seed);
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const freeAt = new Map<string, number>();
  let ownersFreeAt = 0;
  const faults: ScheduledFault[] = [];
  const kinds = WEIGHTS.filter(([kind]) => kind !== 'broker-outage' || options.brokerOutages);
  const totalWeight = kinds.reduce((sum, [, weight]) => sum + weight, 0);

  for (let at = between(1_000, 2_000); at < options.durationMs - 1_500; at += between(1_000, 4_000)) {
    let roll = random() * totalWeight;
    const kind = (kinds.find(([, weight]) => (roll -= weight) < 0) ?? kinds[0])?.[0] ?? 'latency';
    const durationMs = Math.min(
      kind === 'restart'
        ? 0
        : kind === 'pause'
          ? between(500, 3_000)
          : kind === 'kill'
            ? between(1_000, 4_000)
            : kind === 'broker-outage'
              ? between(2_000, 6_000)
              : between(2_000, 8_000),
      options.durationMs - 1_000 - at,
    );
    const candidates =
      kind === 'broker-outage'
        ? ['event-bus']
        : options.services.filter(
            (service) =>
              (freeAt.get(service) ?? 0) <= at && (!AGGREGATE_OWNERS.includes(service) || ownersFreeAt <= at),
          );
    // Draw the parameters whether or not the fault can happen, so one busy lane does not shift the rest.
    const latencyMs = between(200, 2_500);
    const errorRate = Math.round((0.2 + random() * 0.8) * 100) / 100;
    const target = candidates.length > 0 ? pick(candidates) : undefined;
    if (target === undefined || (freeAt.get(target) ?? 0) > at) continue;
    faults.push({
      atMs: at,
      kind,
      target,
      durationMs,
      ...(kind === 'latency' && { latencyMs }),
      ...(kind === 'errors' && { errorRate }),
    });
    const end = at + durationMs;
    freeAt.set(target, end + SERVICE_GAP_MS);
    if (AGGREGATE_OWNERS.includes(target)) ownersFreeAt = end + OWNER_GAP_MS;
  }
  return faults;
}

/** One line per fault, e.g. `  +12.3 s  latency        payment-service       4.1 s  1800 ms`. */
export function formatSchedule(faults: readonly ScheduledFault[]): string[] {
  if (faults.length === 0) return ['  (no faults: the phase is too short)'];
  return faults.map((fault) => {
    const detail =
      fault.kind === 'latency'
        ? `+${fault.latencyMs ?? 0} ms per request`
        : fault.kind === 'errors'
          ? `${Math.round((fault.errorRate ?? 0) * 100)} % errors`
          : '';
    return [
      `  +${(fault.atMs / 1000).toFixed(1).padStart(5)} s`,
      fault.kind.padEnd(13),
      fault.target.padEnd(21),
      fault.kind === 'restart' ? '     -' : `${(fault.durationMs / 1000).toFixed(1).padStart(4)} s`,
      detail,
    ]
      .join('  ')
      .trimEnd();
  });
}

/** The component a fault makes fail, in the terms of suite/dependencies.ts. */
export function faultComponent(fault: ScheduledFault): string {
  return fault.kind === 'broker-outage' ? 'event-bus' : fault.target;
}
