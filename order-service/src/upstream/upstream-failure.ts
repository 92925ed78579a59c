import { isUpstreamError, type UpstreamResponse } from '@shop/platform/runtime';
import type { Unavailable } from '../domain/ports.js';

/** Turns a call that produced no response into the domain's "unavailable"; anything else is a bug and rethrown. */
export function unavailableFrom(error: unknown): Unavailable {
  if (!isUpstreamError(error)) throw error;
  const retryAfter = Number(error.headers['Retry-After']);
  return {
    kind: 'unavailable',
    outcome: error.outcome,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    detail: `${error.upstream}: ${error.reason}`,
  };
}

/**
 * A response outside the contract. A 4xx means the dependency refused the call, so it did not act; a 5xx
 * (after the client's retries) may come after it acted.
 */
export function unexpectedResponse(upstream: string, response: UpstreamResponse): Unavailable {
  return {
    kind: 'unavailable',
    outcome: response.status >= 500 ? 'unknown' : 'not_sent',
    retryAfterSeconds: undefined,
    detail: `${upstream}: unexpected status ${response.status} (${errorCode(response.body) ?? 'no code'})`,
  };
}

export function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

export function errorMessage(body: unknown, fallback: string): string {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' ? error.message : fallback;
}

export function errorDetails(body: unknown): unknown {
  return (body as { error?: { details?: unknown } } | undefined)?.error?.details;
}
