import { randomUUID } from 'node:crypto';
// Types only: amqplib itself is loaded on the first connection (connectAmqp), so a service on the embedded
// queue never loads it.
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { isEventType, type EventType } from './catalog.js';
import { parseEnvelope, type EventEnvelope } from './envelope.js';
import { isRejection } from './rejection.js';
import { brokerConnectedGauge, eventMetrics, type EventMetrics } from './event-metrics.js';
import {
  DEAD_LETTER_REASONS,
  DEFAULT_PREFETCH,
  DEFAULT_RETRY_DELAYS_MS,
  TransportUnavailableError,
  UnknownQueueError,
  type DeadLetter,
  type DeadLetterReason,
  type DeliveryHandler,
  type EventTransport,
  type ReplayOptions,
  type SubscribeOptions,
  type Subscription,
} from './transport.js';

export const DEFAULT_EXCHANGE = 'shop.events';

export interface RabbitTransportOptions {
  url: string;
  logger: Logger;
  registry: Registry;
  /** The durable topic exchange every event goes through (default `shop.events`). */
  exchange?: string;
  retryDelaysMs?: readonly number[];
  /** Pause between reconnection attempts (default 200 ms doubling up to 10 s). */
  reconnect?: BackoffOptions;
  /** Shown by the broker (`rabbitmqctl list_connections client_properties`), e.g. the service name. */
  connectionName?: string;
  /** Added to the URL unless it sets one: a dead broker is noticed within two heartbeats (default 10 s). */
  heartbeatSeconds?: number;
  /**
   * How long subscribe() waits for the broker to declare the queue and start the consumer before it returns
   * anyway (default 5 s). A broker in a resource alarm stops reading a connection once it published, so the
   * declaration then waits for the alarm to end; it completes in the background (see subscribe).
   */
  subscribeWaitMs?: number;
}

type Headers = Record<string, unknown>;

/** Message headers set by this transport (besides the broker's own `x-death`). */
const HEADER = {
  attempt: 'x-attempt',
  correlationId: 'x-correlation-id',
  lastError: 'x-last-error',
  deadLetterId: 'x-dead-letter-id',
  deadLetterReason: 'x-dead-letter-reason',
  deadLetterError: 'x-dead-letter-error',
  deadLetteredAt: 'x-dead-lettered-at',
  replayId: 'x-replay-id',
} as const;

const BROKER_HEADERS = ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason'];

let amqplib: Promise<typeof import('amqplib')> | undefined;

/** amqplib's connect, the library loaded on first use. */
async function connectAmqp(...args: Parameters<typeof import('amqplib').connect>): Promise<ChannelModel> {
  amqplib ??= import('amqplib');
  return (await amqplib).connect(...args);
}

/** The broker blocked the connection (a resource alarm) while a dead-letter replay was publishing. */
export class BrokerBlockedError extends Error {
  constructor(
    readonly reason: string,
    /** Dead letters moved before the broker blocked. */
    readonly moved: number,
  ) {
    super(`the event broker blocks publishing (${reason})`);
    this.name = 'BrokerBlockedError';
  }
}

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

function withHeartbeat(url: string, seconds: number): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${seconds}`;
}

function truncate(text: string, max = 1_000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function headerString(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

function headerNumber(headers: Headers | undefined, name: string): number | undefined {
  const value = Number(headers?.[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

class RabbitSubscription {
  channel: Channel | undefined;
  consumerTag: string | undefined;
  readonly inflight = new Set<Promise<void>>();
  stopping = false;
  /** Set by terminate(): handlers still running settle nothing (their messages are delivered again). */
  abandoned = false;

  constructor(
    readonly queue: string,
    readonly types: ReadonlySet<string>,
    readonly handler: DeliveryHandler,
    readonly prefetch: number,
  ) {}
}

/**
 * The RabbitMQ event bus: one durable topic exchange (routing key = event type), a durable queue per
 * consuming service, persistent messages published on a confirm channel, manual acks with a prefetch.
 * A failing handler's message goes to `<queue>.retry.<delay>ms` (TTL, then dead-lettered back to the
 * queue) once per configured delay, then to `<queue>.dlq`; invalid messages go to the DLQ at once.
 * A lost connection is re-opened with backoff, the topology re-declared and every subscription resumed.
 */
export class RabbitTransport implements EventTransport {
  readonly kind = 'rabbitmq' as const;
  readonly exchange: string;
  private connection: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private closing = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions = new Set<RabbitSubscription>();
  private readonly retryDelaysMs: readonly number[];
  private readonly metrics: EventMetrics;
  private readonly connected: ReturnType<typeof brokerConnectedGauge>;
  private readonly url: string;
  // Connecting and declaring subscriptions never interleave.
  private topology: Promise<unknown> = Promise.resolve();
  /** The broker's reason while it blocks this connection (resource alarm); undefined otherwise. */
  private blockedBy: string | undefined;
  private readonly onBlocked = new Set<(reason: string) => void>();

  private constructor(private readonly options: RabbitTransportOptions) {
    this.exchange = options.exchange ?? DEFAULT_EXCHANGE;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.metrics = eventMetrics(options.registry);
    this.connected = brokerConnectedGauge(options.registry);
    this.connected.set(0);
    this.url = withHeartbeat(options.url, options.heartbeatSeconds ?? 10);
  }

  /**
   * Connects and declares the exchange. If the broker is unreachable it resolves anyway and keeps trying
   * in the background (a service starts without its broker; its outbox holds the events meanwhile).
   */
  static async connect(options: RabbitTransportOptions): Promise<RabbitTransport> {
    const transport = new RabbitTransport(options);
    try {
      await transport.serial(() => transport.open());
    } catch (error) {
      options.logger.warn('event broker unreachable, will keep trying', { err: error });
      transport.scheduleReconnect();
    }
    return transport;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.topology.then(work);
    this.topology = next.catch(() => undefined);
    return next;
  }

  private async open(): Promise<void> {
    const { logger } = this.options;
    const connection = await connectAmqp(this.url, {
      clientProperties: { connection_name: this.options.connectionName ?? 'shop-platform' },
      // A broker that accepts TCP but never answers must not stall startup or reconnection.
      timeout: 10_000,
    });
    connection.on('error', (error: Error) => {
      if (!this.closing) logger.warn('event broker connection error', { err: error });
    });
    connection.on('close', () => this.onConnectionClosed(connection));
    // A resource alarm (memory, disk): the broker stops reading from this connection at its next publish;
    // publishes wait unconfirmed and the outbox keeps their events.
    connection.on('blocked', (reason: string) => {
      this.blockedBy = reason || 'resource alarm';
      for (const notify of this.onBlocked) notify(this.blockedBy);
      logger.warn('event broker blocked publishing, events wait in the outbox', { reason });
    });
    connection.on('unblocked', () => {
      this.blockedBy = undefined;
      logger.info('event broker unblocked publishing');
    });
    if (this.closing) {
      await connection.close();
      return;
    }
    try {
      this.connection = connection;
      const publisher = await connection.createConfirmChannel();
      publisher.on('error', (error: Error) => logger.warn('event publish channel error', { err: error }));
      publisher.on('close', () => this.onChannelLost(connection));
      // Routine: a fact no service consumes yet is still published (see the embedded transport).
      publisher.on('return', (message: Message) =>
        logger.debug('event not routed: no queue is bound to its type', { type: message.fields.routingKey }),
      );
      await publisher.assertExchange(this.exchange, 'topic', { durable: true });
      this.publisher = publisher;
      for (const sub of this.subscriptions) {
        if (!sub.stopping) await this.consume(sub, connection);
      }
    } catch (error) {
      this.connection = undefined;
      this.publisher = undefined;
      await connection.close().catch(() => undefined);
      throw error;
    }
    if (this.failures > 0) logger.info('event broker reconnected', { failures: this.failures });
    this.failures = 0;
    this.connected.set(1);
  }

  private onConnectionClosed(connection: ChannelModel): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.publisher = undefined;
    this.connected.set(0);
    for (const sub of this.subscriptions) {
      sub.channel = undefined;
      sub.consumerTag = undefined;
    }
    if (!this.closing) {
      this.options.logger.warn('event broker connection lost, reconnecting');
      this.scheduleReconnect();
    }
  }

  /** A channel died under us (e.g. a declare was refused): rebuild everything from a fresh connection. */
  private onChannelLost(connection: ChannelModel): void {
    if (this.closing || connection !== this.connection) return;
    connection.close().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, { initialMs: 200, maxMs: 10_000, ...this.options.reconnect });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.serial(() => this.open()).catch((error: unknown) => {
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.options.logger.warn('event broker reconnection failed', {
            err: error,
            failures: this.failures,
          });
        }
        this.scheduleReconnect();
      });
    }, delay);
  }

  isConnected(): boolean {
    return this.connection !== undefined && this.publisher !== undefined;
  }

  private async declareQueues(channel: Channel, queue: string, types: Iterable<string>): Promise<void> {
    await channel.assertExchange(this.exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    for (const type of types) await channel.bindQueue(queue, this.exchange, type);
    for (const delay of new Set(this.retryDelaysMs)) {
      await channel.assertQueue(retryQueueName(queue, delay), {
        durable: true,
        arguments: {
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
        },
      });
    }
    await channel.assertQueue(deadLetterQueueName(queue), { durable: true });
  }

  private async consume(sub: RabbitSubscription, connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    sub.channel = channel;
    channel.on('error', (error: Error) =>
      this.options.logger.warn('event consumer channel error', { err: error, queue: sub.queue }),
    );
    channel.on('close', () => {
      if (sub.channel !== channel) return;
      sub.channel = undefined;
      sub.consumerTag = undefined;
      if (!sub.stopping) this.onChannelLost(connection);
    });
    await this.declareQueues(channel, sub.queue, sub.types);
    await channel.prefetch(sub.prefetch);
    const { consumerTag } = await channel.consume(
      sub.queue,
      (message) => this.onMessage(sub, channel, message),
      {
        noAck: false,
      },
    );
    sub.consumerTag = consumerTag;
    if (sub.stopping) await channel.close().catch(() => undefined);
  }

  async subscribe(
    queue: string,
    types: readonly EventType[],
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const sub = new RabbitSubscription(queue, new Set(types), handler, options.prefetch ?? DEFAULT_PREFETCH);
    this.subscriptions.add(sub);
    const { logger } = this.options;
    const started = this.serial(async () => {
      // A reconnection that ran meanwhile may already have started it.
      if (this.connection && !sub.channel && !sub.stopping) await this.consume(sub, this.connection);
    }).then(
      () => 'started' as const,
      (error: unknown) => {
        // Kept registered: the reconnection that follows a failed channel declares it again.
        logger.error('cannot start consuming yet, will retry on reconnection', { err: error, queue });
        return 'failed' as const;
      },
    );
    // Bounded like the connection itself: a service must start (and serve HTTP) on a broker that blocks it,
    // as it does on one that is down. A connection whose publish was blocked by a resource alarm gets no
    // answer to the declarations until the alarm ends; they then complete and consuming begins.
    const waitMs = this.options.subscribeWaitMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      started,
      new Promise<'waiting'>((resolve) => {
        timer = setTimeout(() => resolve('waiting'), waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'waiting') {
      logger.warn(
        'the event broker does not answer yet (blocked by a resource alarm?): consuming starts when it does',
        { queue, waitedMs: waitMs },
      );
      void started.then((late) => {
        if (late === 'started') logger.info('consuming started after the broker answered', { queue });
      });
    }
    return { stop: () => this.stopSubscription(sub) };
  }

  private async stopSubscription(sub: RabbitSubscription): Promise<void> {
    sub.stopping = true;
    const { channel, consumerTag } = sub;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
    while (sub.inflight.size > 0) await Promise.allSettled([...sub.inflight]);
    this.subscriptions.delete(sub);
    if (channel) await channel.close().catch(() => undefined);
  }

  private onMessage(sub: RabbitSubscription, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): re-declare it from a fresh connection.
      this.options.logger.warn('event consumer cancelled by the broker', { queue: sub.queue });
      if (!sub.stopping && this.connection) this.onChannelLost(this.connection);
      return;
    }
    const done: Promise<void> = this.deliver(sub, channel, message)
      .catch((error: unknown) => {
        // Left unacknowledged: the broker delivers it again once this channel is gone.
        this.options.logger.warn('event could not be settled', { err: error, queue: sub.queue });
      })
      .finally(() => sub.inflight.delete(done));
    sub.inflight.add(done);
  }

  private async deliver(sub: RabbitSubscription, channel: Channel, message: ConsumeMessage): Promise<void> {
    const { logger } = this.options;
    const headers: Headers | undefined = message.properties.headers;
    const attempt = headerNumber(headers, HEADER.attempt) ?? 1;
    const parsed = parseEnvelope(message.content);
    if (!parsed.ok) {
      // The routing key it was published with: the retry and DLQ copies keep it as the `type` property.
      const routedAs = asString(message.properties.type) ?? message.fields.routingKey;
      const type = isEventType(routedAs) ? routedAs : 'unknown';
      this.metrics.consumed.inc({ type, outcome: 'invalid' });
      logger.error('invalid event dead-lettered', {
        queue: sub.queue,
        type: parsed.type,
        error: { type: 'InvalidEvent', message: parsed.error },
      });
      await this.deadLetter(sub.queue, channel, message, 'invalid', parsed.error, attempt, type);
      return;
    }
    const event = parsed.envelope;
    if (!sub.types.has(event.type)) {
      this.ack(channel, message);
      return;
    }
    try {
      await sub.handler(event, { attempt, redelivered: message.fields.redelivered });
    } catch (error) {
      if (sub.abandoned) return;
      const reason = truncate(errorMessage(error));
      const delay = this.retryDelaysMs[attempt - 1];
      const fields = {
        queue: sub.queue,
        event: { id: event.id, type: event.type },
        correlationId: event.correlationId,
      };
      if (isRejection(error)) {
        this.metrics.consumed.inc({ type: event.type, outcome: 'rejected' });
        logger.warn('event rejected by its handler, dead-lettered', {
          ...fields,
          reason: error.reason,
          error: reason,
        });
        await this.deadLetter(sub.queue, channel, message, error.reason, reason, attempt, event.type);
      } else if (delay === undefined) {
        this.metrics.consumed.inc({ type: event.type, outcome: 'dead_lettered' });
        logger.error('event handler kept failing, dead-lettered', {
          ...fields,
          attempts: attempt,
          err: error,
        });
        await this.deadLetter(sub.queue, channel, message, 'failed', reason, attempt, event.type);
      } else {
        await this.sendToQueue(retryQueueName(sub.queue, delay), message, {
          [HEADER.attempt]: attempt + 1,
          [HEADER.lastError]: reason,
        });
        this.ack(channel, message);
        this.metrics.consumed.inc({ type: event.type, outcome: 'retried' });
        logger.warn('event handler failed, will retry', {
          ...fields,
          attempt,
          retryInMs: delay,
          err: error,
        });
      }
      return;
    }
    if (!sub.abandoned) this.ack(channel, message);
  }

  private async deadLetter(
    queue: string,
    channel: Channel,
    message: Message,
    reason: DeadLetterReason,
    error: string,
    attempt: number,
    type: string,
  ): Promise<void> {
    await this.sendToQueue(deadLetterQueueName(queue), message, {
      [HEADER.attempt]: attempt,
      [HEADER.deadLetterId]: randomUUID(),
      [HEADER.deadLetterReason]: reason,
      [HEADER.deadLetterError]: truncate(error),
      [HEADER.deadLetteredAt]: new Date().toISOString(),
    });
    this.ack(channel, message);
    this.metrics.deadLettered.inc({ type });
  }

  private ack(channel: Channel, message: Message): void {
    try {
      channel.ack(message);
    } catch {
      // The channel is gone; the broker redelivers the message and the inbox absorbs the duplicate.
    }
  }

  /** Copies a received message to a queue (retry, DLQ, replay) and resolves on the broker's confirm. */
  private sendToQueue(
    queue: string,
    message: Message,
    extraHeaders: Headers,
    dropHeaders: readonly string[] = [],
  ): Promise<void> {
    const headers: Headers = { ...message.properties.headers };
    for (const name of [...BROKER_HEADERS, ...dropHeaders]) delete headers[name];
    const props = message.properties;
    const timestamp = Number(props.timestamp);
    return this.confirm((publisher, done) =>
      publisher.sendToQueue(
        queue,
        message.content,
        {
          persistent: true,
          contentType: asString(props.contentType),
          messageId: asString(props.messageId),
          correlationId: asString(props.correlationId),
          type: asString(props.type),
          appId: asString(props.appId),
          ...(Number.isFinite(timestamp) && { timestamp }),
          headers: { ...headers, ...extraHeaders },
        },
        done,
      ),
    );
  }

  private confirm(send: (publisher: ConfirmChannel, done: (error: unknown) => void) => void): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) return Promise.reject(new TransportUnavailableError());
    return new Promise((resolve, reject) => {
      try {
        send(publisher, (error) =>
          error
            ? reject(error instanceof Error ? error : new Error('publish not confirmed', { cause: error }))
            : resolve(),
        );
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  publish(envelope: EventEnvelope): Promise<void> {
    return this.publishContent(envelope.type, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      correlationId: envelope.correlationId,
      appId: envelope.source,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      // The W3C trace context rides in the message headers too, for tools that read AMQP headers only.
      headers: {
        [HEADER.correlationId]: envelope.correlationId,
        ...(envelope.traceparent !== undefined && { traceparent: envelope.traceparent }),
      },
    });
  }

  /** Publishes a body as is (no validation): for tools and for tests that need malformed messages. */
  publishRaw(type: string, body: string): Promise<void> {
    return this.publishContent(type, Buffer.from(body), {});
  }

  private publishContent(
    routingKey: string,
    content: Buffer,
    properties: {
      messageId?: string;
      correlationId?: string;
      appId?: string;
      timestamp?: number;
      headers?: Headers;
    },
  ): Promise<void> {
    return this.confirm((publisher, done) =>
      publisher.publish(
        this.exchange,
        routingKey,
        content,
        {
          ...properties,
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          type: routingKey,
        },
        done,
      ),
    );
  }

  /** Runs `work` on a short-lived channel; messages it got but did not ack return to their queue on close. */
  private async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    if (!this.connection) throw new TransportUnavailableError();
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      // A blocked connection (resource alarm) gets no answer to a close until the alarm ends: not awaited
      // then; terminate() drops the connection, and the broker puts the unacknowledged messages back.
      const closing = channel.close().catch(() => undefined);
      if (this.blockedBy === undefined) await closing;
    }
  }

  private async checkQueue(channel: Channel, queue: string): Promise<number> {
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch {
      throw new Error(`queue ${queue} does not exist`);
    }
  }

  private toDeadLetter(message: Message): DeadLetter {
    const headers: Headers | undefined = message.properties.headers;
    const reason = headerString(headers, HEADER.deadLetterReason);
    // Messages published without our properties (by other tools) still show what their body says.
    const parsed = parseEnvelope(message.content);
    const body = parsed.ok ? parsed.envelope : { id: parsed.id, correlationId: undefined };
    return {
      deadLetterId: headerString(headers, HEADER.deadLetterId) ?? String(message.fields.deliveryTag),
      eventId: asString(message.properties.messageId) ?? body.id,
      type: asString(message.properties.type),
      correlationId: headerString(headers, HEADER.correlationId) ?? body.correlationId,
      reason: DEAD_LETTER_REASONS.find((known) => known === reason) ?? 'failed',
      error: headerString(headers, HEADER.deadLetterError),
      attempts: headerNumber(headers, HEADER.attempt) ?? 1,
      deadLetteredAt: headerString(headers, HEADER.deadLetteredAt),
      replayId: headerString(headers, HEADER.replayId),
      body: message.content.toString('utf8'),
    };
  }

  /** A consumer declares its queue and dead-letter queue together (see `declareQueues`). */
  private async assertQueueExists(channel: Channel, queue: string): Promise<void> {
    try {
      await channel.checkQueue(queue);
    } catch {
      throw new UnknownQueueError(queue);
    }
  }

  listDeadLetters(queue: string): Promise<DeadLetter[]> {
    return this.withChannel(async (channel) => {
      const dlq = deadLetterQueueName(queue);
      await this.assertQueueExists(channel, queue);
      await this.checkQueue(channel, dlq);
      const letters: DeadLetter[] = [];
      for (let message = await channel.get(dlq); message; message = await channel.get(dlq)) {
        letters.push(this.toDeadLetter(message));
      }
      return letters;
    });
  }

  /**
   * The snapshot is the dead-letter queue's length when the replay starts: exactly that many messages are
   * taken from its head. A message that fails again at once goes to the tail, behind the snapshot, and one
   * that is met anyway (someone else emptied part of the queue meanwhile) is recognised by this replay's
   * `x-replay-id` and ends the replay. Messages not chosen, or not taken, stay unacknowledged until the
   * channel closes, which puts them back where they were.
   */
  replayDeadLetters(queue: string, ids?: readonly string[], options: ReplayOptions = {}): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    const replayId = options.replayId ?? randomUUID();
    return this.withChannel(async (channel) => {
      const dlq = deadLetterQueueName(queue);
      await this.assertQueueExists(channel, queue);
      const snapshot = await this.checkQueue(channel, dlq);
      let replayed = 0;
      for (let taken = 0; taken < snapshot; taken += 1) {
        const message = await channel.get(dlq);
        if (!message) break;
        const letter = this.toDeadLetter(message);
        if (letter.replayId === replayId) break;
        const chosen =
          !wanted ||
          wanted.has(letter.deadLetterId) ||
          (letter.eventId !== undefined && wanted.has(letter.eventId));
        if (!chosen) continue;
        await this.unlessBlocked(
          this.sendToQueue(queue, message, { [HEADER.attempt]: 1, [HEADER.replayId]: replayId }, [
            HEADER.deadLetterId,
            HEADER.deadLetterReason,
            HEADER.deadLetterError,
            HEADER.deadLetteredAt,
            HEADER.lastError,
          ]),
          replayed,
        );
        channel.ack(message);
        replayed += 1;
        options.onProgress?.(replayed, snapshot);
      }
      return replayed;
    });
  }

  /**
   * `publish`, unless the broker blocks this connection (resource alarm) first: then it rejects with
   * BrokerBlockedError at once instead of waiting for the alarm to end, for a command that must end. The
   * dead letter being moved is not acknowledged, so it stays in its queue (the caller terminates the
   * connection: the broker never reads the held publish).
   */
  private unlessBlocked(publish: Promise<void>, moved: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const notify = (reason: string) => reject(new BrokerBlockedError(reason, moved));
      if (this.blockedBy !== undefined) notify(this.blockedBy);
      this.onBlocked.add(notify);
      publish.then(resolve, reject).finally(() => this.onBlocked.delete(notify));
    });
  }

  /** Messages waiting in `queue` and its retry queues (not those held, unacknowledged, by a consumer). */
  pendingCount(queue: string): Promise<number> {
    return this.withChannel(async (channel) => {
      let total = await this.checkQueue(channel, queue);
      for (const delay of new Set(this.retryDelaysMs)) {
        total += await this.checkQueue(channel, retryQueueName(queue, delay));
      }
      return total;
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await Promise.all([...this.subscriptions].map((sub) => this.stopSubscription(sub)));
    await this.topology;
    const { connection, publisher } = this;
    this.connection = undefined;
    this.publisher = undefined;
    await publisher?.waitForConfirms().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  /**
   * Drops the connection at once, as a crashed process would: in-flight handlers are not waited for and
   * their messages are not acknowledged, so the broker delivers them again; unconfirmed publishes fail. The
   * socket is destroyed rather than closed: a broker that blocked this connection (resource alarm) no longer
   * reads from it and would never answer a close.
   */
  terminate(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const sub of this.subscriptions) {
      sub.stopping = true;
      sub.abandoned = true;
    }
    this.subscriptions.clear();
    const { connection } = this;
    this.connection = undefined;
    this.publisher = undefined;
    const socket = (connection?.connection as unknown as { stream?: { destroy(error?: Error): void } })
      ?.stream;
    socket?.destroy(new Error('event transport terminated'));
    return Promise.resolve();
  }
}
