import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';

/** What every log line, outgoing call and published event needs to know about the work in progress. */
export interface RequestContext {
  correlationId: string;
  userId?: string | undefined;
  role?: string | undefined;
  /** The caller's bearer token, forwarded on service-to-service calls made on their behalf. */
  authorization?: string | undefined;
  /** The active OpenTelemetry span, when tracing is on (platform/src/tracing/tracing.ts). */
  span?: Span | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Returns the header value when it is a safe correlation ID (docs/architecture.md#observability), otherwise a new UUID. */
export function acceptCorrelationId(candidate: unknown): string {
  return typeof candidate === 'string' && CORRELATION_ID_PATTERN.test(candidate) ? candidate : randomUUID();
}

export function isValidCorrelationId(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && CORRELATION_ID_PATTERN.test(candidate);
}

/** Runs `fn` with `context` visible to everything it calls, sync or async. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
