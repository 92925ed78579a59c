import { join } from 'node:path';
import type { Db } from '../db/sqlite.js';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import type { ReadinessCheck } from '../service/health.js';
import { settleBy, shutdownStep } from '../service/shutdown.js';
import type { BackoffOptions } from './backoff.js';
import { ensureInboxSchema, startConsumer, type EventHandlers } from './consumer.js';
import { createEventTransport } from './create-transport.js';
import { createOutbox, ensureOutboxSchema, startOutboxRelay, type Outbox } from './outbox.js';
import type { EventTransport, Subscription } from './transport.js';

/** Readiness detail while the broker is away: the service keeps serving HTTP, its outbox holds the events. */
export const BROKER_DISCONNECTED_DETAIL = 'broker disconnected, events buffered in outbox';

export interface ServiceBusOptions {
  /** The service name: the events' `source`, the consumer's queue and inbox name, the broker connection name. */
  service: string;
  /** The service's own database: it holds the outbox and the inbox. */
  db: Db;
  /** RabbitMQ when set, the embedded queue file otherwise (see `eventBusSettings`). */
  amqpUrl?: string | undefined;
  embeddedFile: string;
  logger: Logger;
  registry: Registry;
  /**
   * The events the service consumes; without handlers the service only produces. When the handlers need
   * `outbox` (a consumer that also produces), leave this out and call `bus.consume(handlers)` instead.
   */
  handlers?: EventHandlers | undefined;
  /** The consumer's queue and inbox name (default: `service`); tests on a shared broker use a unique one. */
  queue?: string | undefined;
  /** Messages handled at once by the consumer (default 10). */
  prefetch?: number | undefined;
  /** Idle poll interval of the outbox relay (default 200 ms) and of the embedded queue (default 100 ms). */
  pollMs?: number | undefined;
  /** RabbitMQ topic exchange (default `shop.events`); tests use a unique one. */
  exchange?: string | undefined;
  /** Delays before each retry of a failing handler (default 1 s, 5 s, 30 s), then the dead-letter queue. */
  retryDelaysMs?: readonly number[] | undefined;
  /** RabbitMQ reconnection backoff (default 200 ms doubling to 10 s). */
  reconnect?: BackoffOptions | undefined;
  /**
   * RabbitMQ: how long consuming waits for the broker to declare the queue before start-up goes on without
   * it (default 5 s); a broker in a resource alarm answers only once the alarm ends.
   */
  subscribeWaitMs?: number | undefined;
  /** How long a stop() called without a deadline may take (default 5000 ms). */
  stopTimeoutMs?: number | undefined;
}

/** A service's connection to the event bus, built by `startServiceBus`. */
export interface ServiceBus {
  /** Call `outbox.add(type, data)` inside the transaction of the state change. */
  outbox: Outbox;
  transport: EventTransport;
  /**
   * Readiness check named `broker`. Always ok: the saga is HTTP and a producer's events wait in its outbox,
   * so a broker outage must not take the service out of rotation; the detail says when it is disconnected
   * (`outbox_pending` and the broker's own alerts tell operators).
   */
  readiness: ReadinessCheck;
  /**
   * Starts consuming the queue named after the service with `handlers` (inbox dedupe, the event's
   * correlation context). Once per bus; the `handlers` option calls it at start.
   */
  consume(handlers: EventHandlers): Promise<void>;
  /**
   * Graceful stop, over by `by` (epoch ms; default `stopTimeoutMs` from now) whatever the broker does: stops
   * consuming (in-flight handlers get half the time; one that is still running is left unacknowledged, so its
   * message is delivered again), publishes what is left in the outbox, stops the relay and closes the
   * transport. Whatever is not done in time is abandoned: unsent events stay in the outbox for the next start
   * and the broker connection is dropped. Call it before closing the database. Idempotent.
   */
  stop(by?: number): Promise<void>;
}

/** The bus settings of the platform base config: RabbitMQ when AMQP_URL is set, else `<DATA_DIR>/events.db`. */
export function eventBusSettings(config: {
  AMQP_URL?: string | undefined;
  EVENT_BUS_FILE?: string | undefined;
  DATA_DIR: string;
}): { amqpUrl: string | undefined; embeddedFile: string } {
  return {
    amqpUrl: config.AMQP_URL,
    embeddedFile: config.EVENT_BUS_FILE ?? join(config.DATA_DIR, 'events.db'),
  };
}

/**
 * Everything a service's main.ts needs from the event bus in one call (docs/architecture.md#events-outbox-and-inbox): the transport
 * (RabbitMQ or embedded), the outbox and its relay, and, when `handlers` are given (or later through
 * `consume`), the consumer on the queue named after the service.
 */
export async function startServiceBus(options: ServiceBusOptions): Promise<ServiceBus> {
  const { service, db, logger, registry } = options;
  const queue = options.queue ?? service;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  ensureOutboxSchema(db);
  ensureInboxSchema(db);

  const transport = await createEventTransport({
    amqpUrl: options.amqpUrl,
    embeddedFile: options.embeddedFile,
    logger,
    registry,
    connectionName: service,
    exchange: options.exchange,
    retryDelaysMs: options.retryDelaysMs,
    reconnect: options.reconnect,
    subscribeWaitMs: options.subscribeWaitMs,
    pollMs: options.pollMs,
  });
  const outbox = createOutbox(db, { source: service });
  const relay = startOutboxRelay({
    db,
    transport,
    logger,
    registry,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });

  let consumer: Subscription | undefined;
  let consuming = false;
  let stopping: Promise<void> | undefined;

  async function consume(handlers: EventHandlers): Promise<void> {
    if (consuming) throw new Error(`${service} is already consuming events`);
    if (stopping) throw new Error(`${service} event bus is stopped`);
    consuming = true;
    try {
      consumer = await startConsumer({
        db,
        transport,
        queue,
        handlers,
        logger,
        registry,
        ...(options.prefetch !== undefined && { prefetch: options.prefetch }),
      });
    } catch (error) {
      consuming = false;
      throw error;
    }
    logger.info('consuming events', { queue, types: Object.keys(handlers) });
  }

  if (options.handlers) {
    try {
      await consume(options.handlers);
    } catch (error) {
      await relay.stop();
      await transport.close();
      throw error;
    }
  }
  logger.info('event bus started', { transport: transport.kind });

  const countPending = db.prepare('SELECT COUNT(*) AS n FROM event_outbox WHERE sent_at IS NULL').pluck();

  async function shutdown(by: number): Promise<void> {
    if (consumer) {
      const current = consumer;
      // A handler still running then is left unacknowledged (redelivered later, deduplicated by the inbox).
      const handlersBy = Date.now() + Math.max(0, by - Date.now()) / 2;
      await shutdownStep(logger, 'event consumer', () => current.stop(), handlersBy);
    }
    const flushed = await settleBy(relay.flush(), by);
    // A publish stuck on a broker that stopped answering must not hold the shutdown: it is abandoned with
    // the connection below, and its event stays unsent.
    await shutdownStep(logger, 'outbox relay', () => relay.stop(), by);
    await shutdownStep(
      logger,
      'event transport',
      () => transport.close(),
      by,
      () => transport.terminate(),
    );
    if (flushed.outcome !== 'done') {
      let pending: number | undefined;
      try {
        pending = countPending.get() as number;
      } catch {
        // The count is only informative.
      }
      logger.warn('events left in the outbox for the next start', {
        pending,
        ...(flushed.outcome === 'failed'
          ? { err: flushed.error }
          : { reason: 'not published by the deadline' }),
      });
    }
  }

  return {
    outbox,
    transport,
    readiness: () =>
      transport.isConnected()
        ? { ok: true, detail: `${transport.kind} connected` }
        : { ok: true, detail: BROKER_DISCONNECTED_DETAIL },
    consume,
    stop: (by) => {
      stopping ??= shutdown(by ?? Date.now() + stopTimeoutMs);
      return stopping;
    },
  };
}
