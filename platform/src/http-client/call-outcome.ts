/**
 * What one attempt of an upstream call came to, as the breaker and the `upstream_outcomes_total` metric
 * see it. The table, with the reasons, is in docs/upstream-failures.md.
 */
export type CallOutcome =
  /** 1xx-3xx. */
  | 'ok'
  /** 4xx other than 429: the request was refused, the upstream is working. */
  | 'client_error'
  /** 429: the upstream is shedding this caller's load, on purpose. */
  | 'rate_limited'
  /** A prompt 503 in the platform's error shape saying a service *behind* the upstream is unavailable. */
  | 'dependency_unavailable'
  /** 500, 501, 505-599, and 503 without that shape. */
  | 'server_error'
  /** A 502 answer, or a connection reset / malformed answer. */
  | 'bad_gateway'
  /** A 504 answer. */
  | 'gateway_timeout'
  /** No (complete) answer within the attempt's time. */
  | 'timeout'
  /** Refused, unreachable, connect timeout: nothing was sent. */
  | 'connection_refused'
  /** Not sent: the breaker is open or its half-open probe is in flight. */
  | 'breaker_open'
  /** Not sent: the bulkhead is full. */
  | 'bulkhead_full'
  /** The caller gave up, or the request was invalid on the caller's side. */
  | 'cancelled';

/**
 * How an outcome counted for the breaker: `success` and `failure` feed its statistics; `not_sent` never
 * reached the upstream; `not_counted` was the caller's doing (while half-open it counts as a failure, so it
 * can never pass for a successful probe, and is labelled `failure` then).
 */
export type BreakerVerdict = 'success' | 'failure' | 'not_sent' | 'not_counted';

export const BREAKER_VERDICT: Readonly<Record<CallOutcome, BreakerVerdict>> = {
  ok: 'success',
  client_error: 'success',
  rate_limited: 'success',
  dependency_unavailable: 'success',
  server_error: 'failure',
  bad_gateway: 'failure',
  gateway_timeout: 'failure',
  timeout: 'failure',
  connection_refused: 'failure',
  breaker_open: 'not_sent',
  bulkhead_full: 'not_sent',
  cancelled: 'not_counted',
};

/**
 * Error codes (in the platform's `{error: {code, message}}` body of a 503) that say "a service I depend on
 * is unavailable": `dependency_unavailable` (order-service's saga) and `upstream_unavailable` (platform's
 * own UpstreamError, when a service lets it through to its caller).
 */
export const DEPENDENCY_UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'dependency_unavailable',
  'upstream_unavailable',
]);

/** A 503 body larger than this is not classified, only passed on (platform error bodies are a few hundred bytes). */
export const INSPECTED_BODY_LIMIT_BYTES = 16 * 1024;

/** The outcome a status alone decides; 503 is `server_error` until its body says otherwise. */
export function outcomeOfStatus(status: number): CallOutcome {
  if (status < 400) return 'ok';
  if (status < 500) return status === 429 ? 'rate_limited' : 'client_error';
  if (status === 502) return 'bad_gateway';
  if (status === 504) return 'gateway_timeout';
  return 'server_error';
}

/**
 * Whether a response's body must be read before its outcome is known: a 503 with a JSON body (not announced
 * as larger than INSPECTED_BODY_LIMIT_BYTES). Any other 503 is a `server_error` unread.
 */
export function needsBodyToClassify(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  if (status !== 503) return false;
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.includes('json')) return false;
  const length = headers['content-length'];
  return length === undefined || Number(length) <= INSPECTED_BODY_LIMIT_BYTES;
}

/** A 503's outcome from its parsed JSON body: `dependency_unavailable` only for the platform's error shape. */
export function outcomeOf503Body(body: unknown): CallOutcome {
  if (typeof body !== 'object' || body === null) return 'server_error';
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return 'server_error';
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' && DEPENDENCY_UNAVAILABLE_CODES.has(code)
    ? 'dependency_unavailable'
    : 'server_error';
}

/** The same from the raw bytes of a 503 (the pass-through paths read them, they do not parse JSON bodies). */
export function outcomeOf503Bytes(bytes: Buffer): CallOutcome {
  try {
    return outcomeOf503Body(JSON.parse(bytes.toString('utf8')));
  } catch {
    return 'server_error';
  }
}
