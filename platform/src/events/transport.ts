import type { EventType } from './catalog.js';
import type { AnyEventEnvelope, EventEnvelope } from './envelope.js';
import type { RejectionReason } from './rejection.js';

/** Facts about one delivery of a message to a subscription. */
export interface Delivery {
  /** 1 on first handling; grows by one per retry after a handler failure. */
  attempt: number;
  /** The message was delivered before and not acknowledged (e.g. its consumer died). */
  redelivered: boolean;
}

/**
 * Handles one validated event. Resolving acknowledges the message; rejecting schedules a retry (or a
 * dead letter once the retries are spent), except with a RejectedEventError: dead-lettered at once.
 */
export type DeliveryHandler = (event: AnyEventEnvelope, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  /** Most messages handled at once by this subscription (default 10). */
  prefetch?: number;
}

export interface Subscription {
  /** Stops taking messages and resolves once every in-flight handler has finished and been settled. */
  stop(): Promise<void>;
}

/**
 * Why a message was dead-lettered: `invalid` unparseable or schema-invalid (never retried); `failed` the
 * handler kept failing until the retries were spent; `unknown_aggregate` / `aggregate_mismatch` the handler
 * rejected it (see RejectedEventError; never retried).
 */
export type DeadLetterReason = 'invalid' | 'failed' | RejectionReason;

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'invalid',
  'failed',
  'unknown_aggregate',
  'aggregate_mismatch',
];

/** A message parked on a queue's dead-letter queue. */
export interface DeadLetter {
  /** Stable handle for `replayDeadLetters(queue, [id])`. */
  deadLetterId: string;
  eventId?: string | undefined;
  type?: string | undefined;
  correlationId?: string | undefined;
  reason: DeadLetterReason;
  error?: string | undefined;
  attempts: number;
  deadLetteredAt?: string | undefined;
  /** Set when the message was replayed and came back: the `replayId` of that replay. */
  replayId?: string | undefined;
  /** The message body as received. */
  body: string;
}

export interface ReplayOptions {
  /** Marks the replayed messages: a dead letter that comes back carries it (see `DeadLetter.replayId`). */
  replayId?: string;
  /** Called after each message moved, with the count so far and the size of the snapshot. */
  onProgress?: (replayed: number, snapshot: number) => void;
}

/**
 * The event bus behind one interface: RabbitMQ (`rabbit-transport.ts`) or the embedded SQLite queue file
 * (`embedded-transport.ts`). Both are durable and at-least-once with acks, retries and dead letters.
 */
export interface EventTransport {
  readonly kind: 'rabbitmq' | 'embedded';
  /** Resolves only once the message is durably accepted (broker confirm / committed row). */
  publish(envelope: EventEnvelope): Promise<void>;
  /**
   * Consumes `queue` (one per consuming service), bound to exactly `types`. Messages that are not valid
   * envelopes of the catalogue go straight to the dead-letter queue and never reach `handler`.
   */
  subscribe(
    queue: string,
    types: readonly EventType[],
    handler: DeliveryHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Rejects with UnknownQueueError when no consumer ever declared `queue`. */
  listDeadLetters(queue: string): Promise<DeadLetter[]>;
  /**
   * Moves dead letters (all, or those whose deadLetterId or eventId is in `ids`) back to `queue`; returns how
   * many. Only the dead letters present when it starts are considered (a snapshot): one that fails again at
   * once and returns during the replay is not replayed a second time, so a replay always ends. Rejects with
   * UnknownQueueError when no consumer ever declared `queue`.
   */
  replayDeadLetters(queue: string, ids?: readonly string[], options?: ReplayOptions): Promise<number>;
  /** Messages of `queue` not yet acknowledged: waiting, waiting for a retry (or in flight, embedded). */
  pendingCount(queue: string): Promise<number>;
  /** For readiness: false while the broker is unreachable (the transport keeps reconnecting). */
  isConnected(): boolean;
  /** Stops every subscription (waiting for in-flight handlers) and closes the connection. */
  close(): Promise<void>;
  /**
   * Stops at once without waiting for anything (the end of a shutdown deadline, or a simulated crash):
   * in-flight messages are left unacknowledged and delivered again, unconfirmed publishes fail.
   */
  terminate(): Promise<void>;
}

/** Delays before the 2nd, 3rd, ... attempt of a failing handler; after the last one the message is dead-lettered. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];

export const DEFAULT_PREFETCH = 10;

/** Thrown by `publish` while the broker is unreachable; the outbox relay keeps the event and retries. */
export class TransportUnavailableError extends Error {
  constructor(message = 'event broker unavailable') {
    super(message);
    this.name = 'TransportUnavailableError';
  }
}

/**
 * Thrown when asked about a queue no consumer ever declared (a typo, or a service that consumes nothing):
 * an answer such as "no dead letters" would hide the mistake.
 */
export class UnknownQueueError extends Error {
  constructor(
    readonly queue: string,
    /** The queues the transport knows, when it can list them (the embedded one can, RabbitMQ cannot). */
    readonly knownQueues?: readonly string[],
  ) {
    super(`no queue named ${queue}`);
    this.name = 'UnknownQueueError';
  }
}
