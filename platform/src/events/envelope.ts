import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { currentCorrelationId, isValidCorrelationId } from '../context/request-context.js';
import { traceparentOf } from '../tracing/tracing.js';
import { eventCatalog, isEventType, type EventData, type EventType } from './catalog.js';

/** What travels on the bus: a fact (`type`, `data`) plus what every consumer needs to trace and dedupe it. */
export interface EventEnvelope<TData = unknown> {
  /** UUID; consumers dedupe on it. */
  id: string;
  type: EventType;
  /** ISO 8601 timestamp of the state change. */
  occurredAt: string;
  /** The correlation ID of the request that caused the event. */
  correlationId: string;
  /** The publishing service. */
  source: string;
  /**
   * W3C trace context of the span that caused the event (set only with tracing on): the consumer's span
   * joins that trace. Older consumers ignore it.
   */
  traceparent?: string;
  data: TData;
}

/** An envelope whose `type` and `data` agree. */
export type TypedEnvelope<T extends EventType> = EventEnvelope<EventData<T>> & { type: T };

/** Any valid envelope of the catalogue, narrowable by `type`. */
export type AnyEventEnvelope = { [K in EventType]: TypedEnvelope<K> }[EventType];

export type ParseEnvelopeResult =
  | { ok: true; envelope: AnyEventEnvelope }
  /** `type` and `id` are filled when they could be read, for metrics and dead-letter listings. */
  | { ok: false; error: string; type?: string | undefined; id?: string | undefined };

const envelopeShape = z.object({
  id: z.uuid(),
  type: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().refine(isValidCorrelationId, 'correlationId must match ^[A-Za-z0-9._:-]{1,128}$'),
  source: z.string().min(1).max(100),
  // A malformed one is dropped, never a reason to refuse the event: tracing must not cost a delivery.
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional()
    .catch(undefined),
  data: z.unknown(),
});

function describe(error: z.ZodError, prefix: string): string {
  return error.issues
    .map(
      (issue) =>
        `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`,
    )
    .join('; ');
}

/**
 * Validates an incoming message (a JSON string/Buffer or an already parsed value): the envelope and its
 * `data` against the catalogue schema of its `type`. Never throws.
 */
export function parseEnvelope(raw: unknown): ParseEnvelopeResult {
  let value: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    try {
      value = JSON.parse(raw.toString());
    } catch (error) {
      return { ok: false, error: `not JSON: ${(error as Error).message}` };
    }
  }
  const readable = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const hint = {
    type: typeof readable.type === 'string' ? readable.type : undefined,
    id: typeof readable.id === 'string' ? readable.id : undefined,
  };
  const shape = envelopeShape.safeParse(value);
  if (!shape.success) return { ok: false, error: describe(shape.error, ''), ...hint };
  const { type } = shape.data;
  if (!isEventType(type)) return { ok: false, error: `unknown event type '${type}'`, ...hint };
  const data = eventCatalog[type].safeParse(shape.data.data);
  if (!data.success) return { ok: false, error: describe(data.error, 'data'), ...hint };
  const { traceparent, ...rest } = shape.data;
  const envelope = { ...rest, type, data: data.data, ...(traceparent !== undefined && { traceparent }) };
  return { ok: true, envelope: envelope as AnyEventEnvelope };
}

export interface CreateEnvelopeOptions {
  source: string;
  /** Defaults to the current request's correlation ID, else a new UUID. */
  correlationId?: string | undefined;
  id?: string;
  occurredAt?: Date;
}

/**
 * Builds a valid envelope; throws when `data` does not match the catalogue (a programming error, so it
 * surfaces in the producer's transaction instead of on a consumer's dead-letter queue).
 */
export function createEnvelope<T extends EventType>(
  type: T,
  data: EventData<T>,
  options: CreateEnvelopeOptions,
): TypedEnvelope<T> {
  const checked = eventCatalog[type].safeParse(data);
  if (!checked.success) throw new Error(`Invalid ${type} event: ${describe(checked.error, 'data')}`);
  const correlationId = options.correlationId ?? currentCorrelationId() ?? randomUUID();
  if (!isValidCorrelationId(correlationId)) throw new Error(`Invalid correlationId for ${type} event`);
  const envelope: TypedEnvelope<T> = {
    id: options.id ?? randomUUID(),
    type,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    correlationId,
    source: options.source,
    data: checked.data as EventData<T>,
  };
  const traceparent = traceparentOf();
  if (traceparent !== undefined) envelope.traceparent = traceparent;
  return envelope;
}
