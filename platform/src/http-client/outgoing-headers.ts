import { randomUUID } from 'node:crypto';
import { acceptCorrelationId, currentContext } from '../context/request-context.js';

export type HeaderMap = Record<string, string | string[] | undefined>;

/**
 * Connection-scoped headers (RFC 9110 §7.6.1) that a proxy must not pass on, plus `host` (the pool sets
 * the upstream's) and `expect` (undici refuses 100-continue).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

/** Header names listed in a `Connection` header are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): string[] | undefined {
  // The common values name no header: skip the split on the hot path.
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.split(',').map((token) => token.trim().toLowerCase());
}

/** Copies `headers` without hop-by-hop headers (and HTTP/2 pseudo-headers), names lower-cased. */
export function withoutHopByHop(headers: HeaderMap): Record<string, string | string[]> {
  const extra = connectionTokens(headers.connection ?? headers.Connection);
  const result: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.charCodeAt(0) === 58 /* ':' */) continue;
    if (extra !== undefined && extra.includes(lower)) continue;
    result[lower] = value;
  }
  return result;
}

/**
 * Headers for a service-to-service JSON call: the caller's own headers win; otherwise the context's
 * correlation ID (or a new one) and the context's bearer token are added.
 */
export function jsonCallHeaders(
  own: Record<string, string> | undefined,
  hasBody: boolean,
  idempotencyKey: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (own !== undefined) for (const name in own) headers[name.toLowerCase()] = own[name] as string;
  const context = currentContext();
  headers['x-correlation-id'] ??= context?.correlationId ?? randomUUID();
  if (headers.authorization === undefined && context?.authorization !== undefined) {
    headers.authorization = context.authorization;
  }
  headers.accept ??= 'application/json';
  if (hasBody) headers['content-type'] ??= 'application/json';
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  return headers;
}

/**
 * Headers for a pass-through call. The context's correlation ID wins over the incoming header, because the
 * gateway has already validated (or replaced) the client's value there; the client's own Authorization
 * header passes through, the context's is added only when there is none.
 */
export function forwardedHeaders(incoming: HeaderMap): Record<string, string | string[]> {
  const headers = withoutHopByHop(incoming);
  const context = currentContext();
  headers['x-correlation-id'] = context?.correlationId ?? acceptCorrelationId(headers['x-correlation-id']);
  if (headers.authorization === undefined && context?.authorization !== undefined) {
    headers.authorization = context.authorization;
  }
  return headers;
}
