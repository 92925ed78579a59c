export {
  createEnvelope,
  parseEnvelope,
  type AnyEventEnvelope,
  type CreateEnvelopeOptions,
  type EventEnvelope,
  type ParseEnvelopeResult,
  type TypedEnvelope,
} from './envelope.js';
export {
  DEFAULT_PREFETCH,
  DEFAULT_RETRY_DELAYS_MS,
  TransportUnavailableError,
  UnknownQueueError,
  DEAD_LETTER_REASONS,
  type DeadLetter,
  type DeadLetterReason,
  type Delivery,
  type DeliveryHandler,
  type EventTransport,
  type SubscribeOptions,
  type Subscription,
} from './transport.js';
export {
  createOutbox,
  ensureOutboxSchema,
  startOutboxRelay,
  type Outbox,
  type OutboxRelay,
  type OutboxRelayOptions,
} from './outbox.js';
export {
  ensureInboxSchema,
  startConsumer,
  type ConsumerOptions,
  type EventHandler,
  type EventHandlerContext,
  type EventHandlers,
} from './consumer.js';
export { eventMetrics, type ConsumeOutcome } from './event-metrics.js';
export { createEventTransport, type CreateEventTransportOptions } from './create-transport.js';
export {
  DEFAULT_EXCHANGE,
  RabbitTransport,
  deadLetterQueueName,
  retryQueueName,
  type RabbitTransportOptions,
} from './rabbit-transport.js';
export { EmbeddedTransport, type EmbeddedTransportOptions } from './embedded-transport.js';
export {
  BROKER_DISCONNECTED_DETAIL,
  eventBusSettings,
  startServiceBus,
  type ServiceBus,
  type ServiceBusOptions,
} from './service-bus.js';
export { RejectedEventError, isRejection, type RejectionReason } from './rejection.js';
export {
  internalLookup,
  OWNER_LOOKUP,
  rememberFound,
  requireAggregate,
  serviceAuthorization,
  type AggregateLookup,
  type InternalLookupOptions,
} from './aggregate-lookup.js';
