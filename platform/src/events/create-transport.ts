import type { Logger } from '../logging/logger.js';
import type { Registry } from '../metrics/registry.js';
import type { BackoffOptions } from './backoff.js';
import { EmbeddedTransport } from './embedded-transport.js';
import { RabbitTransport } from './rabbit-transport.js';
import type { EventTransport } from './transport.js';

export interface CreateEventTransportOptions {
  /** When set, RabbitMQ; otherwise the embedded SQLite queue file. */
  amqpUrl?: string | undefined;
  /** The shared queue file of the embedded transport, e.g. `data/events.db`. */
  embeddedFile: string;
  logger: Logger;
  registry: Registry;
  /** RabbitMQ topic exchange (default `shop.events`). */
  exchange?: string | undefined;
  /** Delays before each retry of a failing handler (default 1 s, 5 s, 30 s), then the dead-letter queue. */
  retryDelaysMs?: readonly number[] | undefined;
  /** RabbitMQ reconnection backoff. */
  reconnect?: BackoffOptions | undefined;
  /** RabbitMQ connection name, e.g. the service name. */
  connectionName?: string | undefined;
  /** RabbitMQ: how long subscribe() waits for the broker before it returns anyway (default 5 s). */
  subscribeWaitMs?: number | undefined;
  /** Embedded: idle poll interval (default 100 ms). */
  pollMs?: number | undefined;
  /** Embedded: lease of a claimed message (default 30 s). */
  visibilityTimeoutMs?: number | undefined;
}

/** Picks the transport of docs/architecture.md#ports-and-run-modes: RabbitMQ when `amqpUrl` is set, the embedded queue file otherwise. */
export async function createEventTransport(options: CreateEventTransportOptions): Promise<EventTransport> {
  const { logger, registry, retryDelaysMs } = options;
  if (options.amqpUrl) {
    return RabbitTransport.connect({
      url: options.amqpUrl,
      logger,
      registry,
      ...(options.exchange !== undefined && { exchange: options.exchange }),
      ...(retryDelaysMs !== undefined && { retryDelaysMs }),
      ...(options.reconnect !== undefined && { reconnect: options.reconnect }),
      ...(options.connectionName !== undefined && { connectionName: options.connectionName }),
      ...(options.subscribeWaitMs !== undefined && { subscribeWaitMs: options.subscribeWaitMs }),
    });
  }
  return new EmbeddedTransport({
    file: options.embeddedFile,
    logger,
    registry,
    ...(retryDelaysMs !== undefined && { retryDelaysMs }),
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
    ...(options.visibilityTimeoutMs !== undefined && { visibilityTimeoutMs: options.visibilityTimeoutMs }),
  });
}
