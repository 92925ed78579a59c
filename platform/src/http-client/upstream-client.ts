import { finished, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import CircuitBreaker from 'opossum';
import { Pool, type Dispatcher } from 'undici';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';
import { failSpan, injectTraceContext, SPAN_KIND, startSpan, tracingEnabled } from '../tracing/tracing.js';
import type { Registry } from '../metrics/registry.js';
import { AttemptDeadline } from './attempt-deadline.js';
import { BreakerWindow } from './breaker-window.js';
import {
  BREAKER_VERDICT,
  INSPECTED_BODY_LIMIT_BYTES,
  needsBodyToClassify,
  outcomeOf503Body,
  outcomeOf503Bytes,
  outcomeOfStatus,
  type BreakerVerdict,
  type CallOutcome,
} from './call-outcome.js';
import { forwardedHeaders, jsonCallHeaders, withoutHopByHop, type HeaderMap } from './outgoing-headers.js';
import { backoffDelayMs, isRetryable, RetryBudget, waitBeforeRetry } from './retry-policy.js';
import { UpstreamError, type UpstreamFailureReason } from './upstream-error.js';
import { createUpstreamTelemetry, type UpstreamTelemetry } from './upstream-telemetry.js';

/** Settings of one upstream client; defaults in platform/src/http-client/README.md. */
export interface UpstreamOptions {
  /** Upstream name, e.g. 'payment-service': the `upstream` metric label and the breaker's name. */
  name: string;
  /**
   * The lane of this client on its upstream, e.g. `read` or `write` (the `route_class` metric label): a
   * caller that isolates route classes creates one client, so one pool, breaker and bulkhead, per class.
   * Default `all`.
   */
  routeClass?: string;
  /** e.g. http://127.0.0.1:5004; a path part becomes a prefix of every request path. */
  baseUrl: string;
  logger: Logger;
  registry: Registry;
  /** Per attempt: request() until the body is read; forward() until the headers arrive (then per body chunk). Default 3000. */
  timeoutMs?: number;
  /**
   * One overall deadline per call: every attempt and backoff delay fit in it, the last attempt gets only what
   * is left. Default `timeoutMs`, so a retry only happens after an attempt that failed fast.
   */
  budgetMs?: number;
  /** undici Pool connections (keep-alive). Default 64. */
  connections?: number;
  /** Bulkhead: calls in flight at once; more are rejected with 503 bulkhead_full. Default 100. */
  maxConcurrent?: number;
  /** Retries of idempotent requests (GET/HEAD or with an idempotency key). Default 2. */
  retries?: number;
  /** Base of the exponential backoff with full jitter. Default 50. */
  retryBaseMs?: number;
  /** Cap of one backoff delay. Default 1000. */
  retryMaxDelayMs?: number;
  breaker?: {
    /**
     * false: no breaker at all (calls are never short-circuited), for a control plane that must stay
     * reachable, e.g. the gateway's chaos switches. Default true.
     */
    enabled?: boolean;
    /** Failure percentage in the rolling window that opens the breaker. Default 50. */
    errorThresholdPercentage?: number;
    /** Calls needed in the rolling window before the breaker may open. Default 5. */
    volumeThreshold?: number;
    /** Time open before one probe is let through (half-open). Default 10000. */
    resetTimeoutMs?: number;
    /** Length of the rolling statistics window. Default 10000. */
    rollingCountTimeoutMs?: number;
  };
}

/**
 * The part of an AbortSignal the client uses to let a caller cancel. An AbortSignal fits; so does a lighter
 * object on a hot path (creating an AbortController costs several µs, more than a whole map lookup of a
 * verified token: the gateway watches client disconnects with its own).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: CancelListener): void;
  removeEventListener(type: 'abort', listener: CancelListener): void;
}

/** Notified once when a CancelSignal aborts. */
export interface CancelListener {
  handleEvent(): void;
}

export interface UpstreamRequest {
  method: string;
  /** Path including the query string, e.g. '/payments?orderId=42'. */
  path: string;
  /** Explicit headers win over the ones added from the request context. */
  headers?: Record<string, string>;
  /** JSON-encoded when present. */
  body?: unknown;
  /** Sent as Idempotency-Key; makes a non-GET request retryable. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the content type is JSON, the text otherwise, undefined when empty. */
  body: T;
}

export interface ForwardRequest {
  method: string;
  path: string;
  /** The incoming headers; hop-by-hop headers and Host are dropped. */
  headers: Record<string, string | string[] | undefined>;
  /** A stream is sent as is (and makes the call non-retryable); a Buffer can be resent. */
  body?: Buffer | NodeJS.ReadableStream | null;
  /** Abort when the client goes away (an AbortSignal, or any CancelSignal). */
  signal?: CancelSignal;
}

export interface ForwardResponse {
  status: number;
  /** The upstream's headers without hop-by-hop headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Streamed: the caller must consume or destroy it (it holds a connection and a bulkhead slot). */
  body: NodeJS.ReadableStream;
}

/** What forwardInto() hands the caller once the upstream's response headers are in. */
export interface ForwardedHead {
  status: number;
  /** The upstream's headers without hop-by-hop headers. */
  headers: Record<string, string | string[] | undefined>;
}

/** A resilient client for one upstream: keep-alive pool, per-attempt timeout, bulkhead, retries and a breaker. */
export interface UpstreamClient {
  readonly name: string;
  /**
   * JSON call. Resolves with the upstream's response for every status (a 5xx only after retries are
   * exhausted; it still counts against the breaker). Rejects with UpstreamError when there is no response.
   */
  request<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>>;
  /** Pass-through call: status, headers and a streamed body exactly as the upstream sent them. */
  forward(req: ForwardRequest): Promise<ForwardResponse>;
  /**
   * Pass-through without an intermediate stream: `into` gets the status and headers as they arrive and
   * returns the writable the body is written to and then ended (e.g. the client's ServerResponse). Resolves
   * with the status once the body is written. Rejects like forward() when there is no response, and with the
   * stream's error when the body fails or the writable closes first (the writable is then destroyed and the
   * upstream call aborted). Same policies as forward(); a call that may be retried takes forward()'s path
   * inside, since a response that is going to be retried must not have been written anywhere yet.
   */
  forwardInto(req: ForwardRequest, into: (head: ForwardedHead) => NodeJS.WritableStream): Promise<number>;
  state(): 'closed' | 'open' | 'half-open';
  /** Shuts the breaker down and closes the pool once in-flight requests finish. */
  close(): Promise<void>;
}

/** One attempt, given its own time budget (the attempt timeout, cut to what is left of the call's budget). */
type Send = (attemptMs: number) => Promise<unknown>;
type StreamedBody = Dispatcher.ResponseData['body'];
type PassThroughResponse = {
  status: number;
  headers: Record<string, string | string[]>;
  /** undici's body, or the bytes of a 503 that were read to classify it. */
  body: StreamedBody | Readable;
};
/** Settles forwardInto()'s wait for the body, once undici has written it (or failed to). */
type BodyWritten = { resolve(): void; reject(error: unknown): void };

/**
 * Thrown inside the breaker so that an answer classified as a failure (5xx other than a dependency's
 * unavailability) counts as one; unwrapped into a normal response outside.
 */
/** Ends a client span with the answered status, or as failed when no answer came. */
function endClientSpan(span: Span | undefined, status: number | undefined, error?: unknown): void {
  if (span === undefined) return;
  if (status !== undefined) {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: 2 });
  } else failSpan(span, error);
  span.end();
}

class ServerErrorResponse extends Error {
  constructor(readonly response: unknown) {
    super('Upstream answered with a failure status');
  }
}

/** A failure that is not the upstream's fault (caller aborted, invalid request); rethrown as `original`. */
class CallerSideFailure extends Error {
  constructor(readonly original: unknown) {
    super('The call failed on the caller side');
  }
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const CALLER_SIDE_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
]);
const TRANSIENT_REASONS: ReadonlySet<UpstreamFailureReason> = new Set([
  'connection_refused',
  'bad_gateway',
  'timeout',
]);

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function isJson(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && contentType.includes('json');
}

function parseBody(contentType: string | string[] | undefined, text: string): unknown {
  if (text.length === 0) return undefined;
  return isJson(contentType) ? JSON.parse(text) : text;
}

/** RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body. */
function passThroughBody(body: ForwardRequest['body'], headers: HeaderMap): Buffer | Readable | null {
  if (body === undefined || body === null) return null;
  if (Buffer.isBuffer(body)) return body;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return null;
  return body instanceof Readable ? body : new Readable().wrap(body);
}

function discardBody(response: PassThroughResponse): void {
  const { body } = response;
  if ('dump' in body) body.dump().catch(() => undefined);
  else body.destroy();
}

/**
 * Holds back the body of a 503 so the answer can be classified before anything reaches the caller's
 * writable (see call-outcome.ts). A body that grows past INSPECTED_BODY_LIMIT_BYTES cannot be the platform's
 * small error shape: `overflow()` then gives the writable, and what was held back and the rest pass through.
 */
class InspectedBody extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private target: NodeJS.WritableStream | undefined;

  constructor(
    readonly head: ForwardedHead,
    private readonly overflow: () => NodeJS.WritableStream,
  ) {
    super();
  }

  /** True once the body turned out too large to classify and is being passed on. */
  get passingThrough(): boolean {
    return this.target !== undefined;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.target === undefined) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size <= INSPECTED_BODY_LIMIT_BYTES) return done();
      try {
        this.target = this.overflow();
      } catch (error) {
        return done(error as Error);
      }
      const held = Buffer.concat(this.chunks.splice(0));
      return this.pass(held, done);
    }
    this.pass(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    const target = this.target;
    if (target === undefined) return done();
    finished(target, (error) => done(error ?? null));
    target.end();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private pass(chunk: Buffer, done: (error?: Error | null) => void): void {
    const target = this.target as NodeJS.WritableStream;
    if (target.write(chunk)) done();
    else target.once('drain', () => done());
  }
}

/**
 * Reads a 503's body to classify it (at most INSPECTED_BODY_LIMIT_BYTES); the stream handed on replays it.
 * `bytes` is undefined when the body was larger: the stream then goes on with the rest of it.
 */
async function readForClassification(
  body: StreamedBody,
): Promise<{ bytes: Buffer | undefined; replay: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const next = (await iterator.next()) as IteratorResult<Buffer>;
    if (next.done === true) {
      const bytes = Buffer.concat(chunks);
      return { bytes, replay: Readable.from([bytes]) };
    }
    chunks.push(next.value);
    size += next.value.length;
    if (size > INSPECTED_BODY_LIMIT_BYTES) {
      const rest = { [Symbol.asyncIterator]: () => iterator };
      const replay = Readable.from(
        (async function* replayed() {
          yield* chunks;
          yield* rest;
        })(),
      );
      // A replay dropped early (a discarded retry) must still free the upstream's connection.
      replay.once('close', () => {
        if (!body.readableEnded) body.destroy();
      });
      return { bytes: undefined, replay };
    }
  }
}

function option(value: number | undefined, fallback: number, label: string, name: string): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < 0) {
    throw new Error(`Upstream ${name}: ${label} must be a non-negative number, got ${String(value)}`);
  }
  return resolved;
}

class ResilientUpstreamClient implements UpstreamClient {
  readonly name: string;
  private readonly routeClass: string;
  private readonly pool: Pool;
  private readonly breaker: CircuitBreaker<[Send, number], unknown>;
  private readonly telemetry: UpstreamTelemetry;
  private readonly pathPrefix: string;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  /** A single attempt's time: the attempt timeout, or the budget when that is shorter. */
  private readonly singleAttemptMs: number;
  private readonly maxConcurrent: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly resetTimeoutMs: number;
  private readonly breakerEnabled: boolean;
  private inFlight = 0;
  private openedAt = 0;
  private readonly leaveBulkhead = (): void => {
    this.inFlight--;
  };

  constructor(options: UpstreamOptions) {
    const { name } = options;
    this.name = name;
    this.timeoutMs = option(options.timeoutMs, 3000, 'timeoutMs', name);
    this.budgetMs = option(options.budgetMs, this.timeoutMs, 'budgetMs', name);
    if (this.budgetMs < 1)
      throw new Error(`Upstream ${name}: budgetMs must be at least 1, got ${this.budgetMs}`);
    this.singleAttemptMs = Math.min(this.timeoutMs, this.budgetMs);
    this.maxConcurrent = option(options.maxConcurrent, 100, 'maxConcurrent', name);
    this.retries = Math.floor(option(options.retries, 2, 'retries', name));
    this.retryBaseMs = option(options.retryBaseMs, 50, 'retryBaseMs', name);
    this.retryMaxDelayMs = option(options.retryMaxDelayMs, 1000, 'retryMaxDelayMs', name);
    this.resetTimeoutMs = option(options.breaker?.resetTimeoutMs, 10_000, 'breaker.resetTimeoutMs', name);
    this.breakerEnabled = options.breaker?.enabled !== false;
    const errorThresholdPercentage = option(
      options.breaker?.errorThresholdPercentage,
      50,
      'errorThresholdPercentage',
      name,
    );
    const volumeThreshold = Math.floor(option(options.breaker?.volumeThreshold, 5, 'volumeThreshold', name));
    const rollingCountTimeoutMs = option(
      options.breaker?.rollingCountTimeoutMs,
      10_000,
      'rollingCountTimeoutMs',
      name,
    );

    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: option(options.connections, 64, 'connections', name),
      pipelining: 1,
      connectTimeout: this.timeoutMs,
      // Backstops: the precise per-attempt deadline fires first; bodyTimeout bounds silence while streaming.
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });

    this.breaker = new CircuitBreaker((send: Send, attemptMs: number) => send(attemptMs), {
      name,
      enabled: this.breakerEnabled,
      // Timeouts are enforced per attempt by AttemptDeadline, which also aborts the request; opossum's
      // timeout would only stop waiting and leave the request running.
      timeout: false,
      // A closed breaker opens on BreakerWindow's statistics (below), never on opossum's own ratio, which
      // counts the calls it rejected while open; opossum still re-opens on a failed half-open probe.
      errorThresholdPercentage: 100,
      volumeThreshold,
      resetTimeout: this.resetTimeoutMs,
      rollingCountTimeout: rollingCountTimeoutMs,
      // Percentiles make every failure sort the whole window; snapshots are an unused timer.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // Caller-side failures do not count against a closed breaker; while half-open they re-open it,
      // because opossum would otherwise take the filtered "success" as a successful probe.
      errorFilter: (error: unknown) => error instanceof CallerSideFailure && this.breaker.closed,
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
    });
    const window = new BreakerWindow(rollingCountTimeoutMs);
    // First, so that a successful half-open probe is recorded before opossum closes the breaker (and the
    // close resets the window). Caller-side failures reach opossum's success path through errorFilter: they
    // say nothing of the upstream.
    this.breaker.prependListener('success', (result: unknown) => {
      if (!(result instanceof CallerSideFailure)) window.recordSuccess();
    });
    this.breaker.on('failure', () => {
      window.recordFailure();
      if (this.breaker.closed && window.exceeds(errorThresholdPercentage, volumeThreshold))
        this.breaker.open();
    });
    // A successful probe closes the breaker: the calls before it no longer describe the upstream.
    this.breaker.on('close', () => window.reset());
    this.routeClass = options.routeClass ?? 'all';
    this.telemetry = createUpstreamTelemetry(name, this.routeClass, options.registry, options.logger);
    if (this.breakerEnabled) this.telemetry.watch(this.breaker, this.resetTimeoutMs);
  }

  state(): 'closed' | 'open' | 'half-open' {
    if (this.breaker.closed) return 'closed';
    return this.breaker.halfOpen ? 'half-open' : 'open';
  }

  /** A CLIENT span for one call (every attempt included), its traceparent put in `headers`; none while off. */
  private clientSpan(method: string, path: string, headers: Record<string, unknown>): Span | undefined {
    if (!tracingEnabled()) return undefined;
    const span = startSpan(`${method} ${this.name}`, SPAN_KIND.CLIENT, {
      'http.request.method': method,
      'server.address': this.name,
      'url.path': path.split('?')[0] ?? path,
      'upstream.route_class': this.routeClass,
    });
    injectTraceContext(headers, span);
    return span;
  }

  async request<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const method = req.method.toUpperCase();
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers = jsonCallHeaders(req.headers, body !== undefined, req.idempotencyKey);
    const path = this.pathPrefix + req.path;
    const retryable = isRetryable(method, headers['idempotency-key'] !== undefined);
    const span = this.clientSpan(method, req.path, headers);
    this.enterBulkhead();
    try {
      const response = await this.execute<UpstreamResponse<T>>(retryable, req.signal, (attemptMs) =>
        this.sendJson<T>(method, path, headers, body, req.signal, attemptMs),
      );
      endClientSpan(span, response.status);
      return response;
    } catch (error) {
      endClientSpan(span, undefined, error);
      throw error;
    } finally {
      this.inFlight--;
    }
  }

  forward(req: ForwardRequest): Promise<ForwardResponse> {
    const method = req.method.toUpperCase();
    const headers = forwardedHeaders(req.headers);
    const body = passThroughBody(req.body, req.headers);
    const retryable =
      !(body instanceof Readable) && isRetryable(method, headers['idempotency-key'] !== undefined);
    return this.forwardPrepared(req, method, headers, body, retryable);
  }

  /** forward() once the request's method, headers, body and retryability are worked out (forwardInto has them). */
  private async forwardPrepared(
    req: ForwardRequest,
    method: string,
    headers: Record<string, string | string[]>,
    body: Buffer | Readable | null,
    retryable: boolean,
  ): Promise<ForwardResponse> {
    const path = this.pathPrefix + req.path;
    const span = this.clientSpan(method, req.path, headers);
    this.enterBulkhead();
    let response: PassThroughResponse;
    try {
      response = await this.execute<PassThroughResponse>(
        retryable,
        req.signal,
        (attemptMs) => this.sendForward(method, path, headers, body, req.signal, attemptMs),
        discardBody,
      );
    } catch (error) {
      this.inFlight--;
      endClientSpan(span, undefined, error);
      throw error;
    }
    endClientSpan(span, response.status);
    // The slot is held until the body is consumed or destroyed: it still occupies a connection.
    if (response.body.closed) this.inFlight--;
    else response.body.once('close', this.leaveBulkhead);
    return response;
  }

  async forwardInto(
    req: ForwardRequest,
    into: (head: ForwardedHead) => NodeJS.WritableStream,
  ): Promise<number> {
    const method = req.method.toUpperCase();
    const headers = forwardedHeaders(req.headers);
    const body = passThroughBody(req.body, req.headers);
    const retryable =
      !(body instanceof Readable) && isRetryable(method, headers['idempotency-key'] !== undefined);
    if (retryable && this.retries > 0) {
      const response = await this.forwardPrepared(req, method, headers, body, retryable);
      await pipeline(response.body, into({ status: response.status, headers: response.headers }));
      return response.status;
    }
    const path = this.pathPrefix + req.path;
    const span = this.clientSpan(method, req.path, headers);
    this.enterBulkhead();
    let written: BodyWritten | undefined;
    const bodyWritten = new Promise<void>((resolve, reject) => {
      written = { resolve, reject };
    });
    let status: number;
    try {
      // Not retried: one attempt through the breaker (execute() would only add a promise around it).
      ({ status } = await this.fireOnce((attemptMs) =>
        this.sendInto(method, path, headers, body, req.signal, into, written as BodyWritten, attemptMs),
      ));
    } catch (error) {
      this.inFlight--;
      endClientSpan(span, undefined, error);
      // Nothing will wait for the body any more (it may still fail, e.g. when `into` threw).
      bodyWritten.catch(() => undefined);
      throw error;
    }
    endClientSpan(span, status);
    // As with forward(), the slot is held until the body is through.
    try {
      await bodyWritten;
    } finally {
      this.inFlight--;
    }
    return status;
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.pool.close();
  }

  private enterBulkhead(): void {
    if (this.inFlight >= this.maxConcurrent) {
      this.telemetry.count('bulkheadRejected');
      this.countOutcome('bulkhead_full', 'not_sent');
      throw new UpstreamError(this.name, 'bulkhead_full');
    }
    this.inFlight++;
  }

  /**
   * Fires attempts through the breaker. Answers the breaker took as a success are returned as they are; a
   * failure (5xx answer, or no answer for a transient reason) of a retryable call is retried while the
   * breaker is closed, within the call's one budget (RetryBudget).
   */
  private async execute<R extends { status: number }>(
    retryable: boolean,
    signal: CancelSignal | undefined,
    send: (attemptMs: number) => Promise<R>,
    discard?: (response: R) => void,
  ): Promise<R> {
    if (!retryable || this.retries === 0) return this.fireOnce(send);
    const budget = new RetryBudget(this.budgetMs, this.timeoutMs);
    for (let attempt = 1; ; attempt++) {
      let failed: ServerErrorResponse | UpstreamError;
      try {
        return (await this.breaker.fire(send, budget.attemptMs())) as R;
      } catch (error) {
        const failure = error instanceof ServerErrorResponse ? error : this.unwrap(error);
        const transient =
          failure instanceof ServerErrorResponse ||
          (failure instanceof UpstreamError && TRANSIENT_REASONS.has(failure.reason));
        if (!transient) throw failure;
        failed = failure;
      }
      const delayMs = backoffDelayMs(attempt, this.retryBaseMs, this.retryMaxDelayMs);
      if (attempt > this.retries || !this.breaker.closed || !budget.fits(delayMs)) {
        if (failed instanceof ServerErrorResponse) return failed.response as R;
        throw failed;
      }
      if (failed instanceof ServerErrorResponse) discard?.(failed.response as R);
      await waitBeforeRetry(delayMs, signal);
    }
  }

  /** One attempt through the breaker. A promise chain, not an async function: one promise fewer per call. */
  private fireOnce<R>(send: (attemptMs: number) => Promise<R>): Promise<R> {
    return (this.breaker.fire(send, this.singleAttemptMs) as Promise<R>).catch((error: unknown) => {
      if (error instanceof ServerErrorResponse) return error.response as R;
      throw this.unwrap(error);
    });
  }

  private unwrap(error: unknown): unknown {
    if (error instanceof CallerSideFailure) return error.original;
    if (error instanceof Error && CircuitBreaker.isOurError(error)) {
      // EOPENBREAKER while open or while the half-open probe is in flight; ESHUTDOWN after close().
      const open = errorCode(error) === 'EOPENBREAKER';
      this.countOutcome(open ? 'breaker_open' : 'connection_refused', 'not_sent');
      return new UpstreamError(this.name, open ? 'breaker_open' : 'connection_refused', {
        retryAfterSeconds: this.secondsUntilProbe(),
        cause: error,
      });
    }
    return error;
  }

  /** Counts an answer's outcome and, when it is a failure for the breaker, throws it as one. */
  private judge<R>(outcome: CallOutcome, response: R): R {
    if (this.countsAsFailure(outcome)) throw new ServerErrorResponse(response);
    return response;
  }

  /** Counts an answer's outcome; true when the breaker must take it as a failure. */
  private countsAsFailure(outcome: CallOutcome): boolean {
    const verdict = BREAKER_VERDICT[outcome];
    this.countOutcome(outcome, verdict);
    return verdict === 'failure';
  }

  /** Without a breaker nothing is counted for or against it; the outcome still is. */
  private countOutcome(outcome: CallOutcome, verdict: BreakerVerdict): void {
    this.telemetry.outcome(outcome, this.breakerEnabled || verdict === 'not_sent' ? verdict : 'not_counted');
  }

  private secondsUntilProbe(): number {
    if (!this.breaker.opened) return 1;
    return Math.ceil((this.openedAt + this.resetTimeoutMs - Date.now()) / 1000);
  }

  private async sendJson<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    callerSignal: CancelSignal | undefined,
    attemptMs: number,
  ): Promise<UpstreamResponse<T>> {
    const deadline = new AttemptDeadline(attemptMs, callerSignal);
    const startedAt = performance.now();
    try {
      const answer = await this.pool.request({ method, path, headers, body, signal: deadline });
      const text = await answer.body.text();
      const response: UpstreamResponse<T> = {
        status: answer.statusCode,
        headers: answer.headers,
        body: parseBody(answer.headers['content-type'], text) as T,
      };
      this.telemetry.observe(method, answer.statusCode, startedAt);
      const status = answer.statusCode;
      return this.judge(status === 503 ? outcomeOf503Body(response.body) : outcomeOfStatus(status), response);
    } catch (error) {
      if (error instanceof ServerErrorResponse) throw error;
      throw this.failure(error, deadline, method, startedAt);
    } finally {
      deadline.dispose();
    }
  }

  private async sendForward(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer | Readable | null,
    callerSignal: CancelSignal | undefined,
    attemptMs: number,
  ): Promise<PassThroughResponse> {
    const deadline = new AttemptDeadline(attemptMs, callerSignal);
    const startedAt = performance.now();
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.pool.request({ method, path, headers, body, signal: deadline });
    } catch (error) {
      deadline.dispose();
      throw this.failure(error, deadline, method, startedAt);
    }
    // Headers arrived in time; from here the body is paced by the client reading it (bodyTimeout guards silence).
    deadline.stopClock();
    this.telemetry.observe(method, answer.statusCode, startedAt);
    const status = answer.statusCode;
    const responseHeaders = withoutHopByHop(answer.headers);
    if (needsBodyToClassify(status, responseHeaders)) {
      let read: Awaited<ReturnType<typeof readForClassification>>;
      try {
        read = await readForClassification(answer.body);
      } catch (error) {
        deadline.dispose();
        throw this.failure(error, deadline, method, undefined);
      }
      if (read.bytes !== undefined) deadline.dispose();
      else if (callerSignal !== undefined) read.replay.once('close', () => deadline.dispose());
      const outcome = read.bytes === undefined ? 'server_error' : outcomeOf503Bytes(read.bytes);
      return this.judge(outcome, { status, headers: responseHeaders, body: read.replay });
    }
    if (callerSignal !== undefined) answer.body.once('close', () => deadline.dispose());
    return this.judge(outcomeOfStatus(status), { status, headers: responseHeaders, body: answer.body });
  }

  /**
   * One attempt of forwardInto(): undici's stream API writes the body straight into the caller's writable,
   * with no Readable and pipe in between (measured at ~7 % of the gateway's CPU per request). Resolves (or,
   * for a failure answer, rejects for the breaker) when the headers are in; `written` settles when the body
   * is through. A 503 whose body decides its outcome is read first, then classified, then written.
   */
  private sendInto(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer | Readable | null,
    callerSignal: CancelSignal | undefined,
    into: (head: ForwardedHead) => NodeJS.WritableStream,
    written: BodyWritten,
    attemptMs: number,
  ): Promise<{ status: number }> {
    const deadline = new AttemptDeadline(attemptMs, callerSignal);
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
      let headersIn = false;
      let inspected: InspectedBody | undefined;
      const settle = (outcome: CallOutcome, status: number): void => {
        if (this.countsAsFailure(outcome)) reject(new ServerErrorResponse({ status }));
        else resolve({ status });
      };
      this.pool.stream(
        { method, path, headers, body, signal: deadline },
        ({ statusCode, headers: responseHeaders }) => {
          headersIn = true;
          // Headers arrived in time; from here the body is paced by the writable (bodyTimeout guards silence).
          deadline.stopClock();
          this.telemetry.observe(method, statusCode, startedAt);
          const head = { status: statusCode, headers: withoutHopByHop(responseHeaders) };
          if (needsBodyToClassify(statusCode, head.headers)) {
            inspected = new InspectedBody(head, () => {
              // Too large for the platform's error shape: a failure, passed on as it comes.
              const target = openTarget(into, head, reject);
              settle('server_error', statusCode);
              return target;
            });
            return inspected;
          }
          const target = openTarget(into, head, reject);
          settle(outcomeOfStatus(statusCode), statusCode);
          return target as Writable;
        },
        (error) => {
          deadline.dispose();
          if (!headersIn) reject(this.failure(error, deadline, method, startedAt));
          else if (inspected !== undefined && !inspected.passingThrough) {
            if (error) reject(this.failure(error, deadline, method, undefined));
            else this.deliverInspected(inspected, into, written, settle, reject);
          } else if (error) written.reject(error);
          else written.resolve();
        },
      );
    });
  }

  /** Classifies a 503 whose body was read, then hands head and body to the caller's writable. */
  private deliverInspected(
    inspected: InspectedBody,
    into: (head: ForwardedHead) => NodeJS.WritableStream,
    written: BodyWritten,
    settle: (outcome: CallOutcome, status: number) => void,
    reject: (error: unknown) => void,
  ): void {
    const bytes = inspected.bytes();
    let target: NodeJS.WritableStream;
    try {
      target = into(inspected.head);
    } catch (error) {
      reject(new CallerSideFailure(error));
      written.reject(error);
      return;
    }
    finished(target, (error) => {
      if (error) written.reject(error);
      else written.resolve();
    });
    target.end(bytes);
    settle(outcomeOf503Bytes(bytes), inspected.head.status);
  }

  /**
   * Maps what undici threw to the error the breaker and the caller see. `startedAt` is undefined when the
   * attempt's duration was already observed (its headers had arrived).
   */
  private failure(
    error: unknown,
    deadline: AttemptDeadline,
    method: string,
    startedAt: number | undefined,
  ): Error {
    const code = errorCode(error);
    if (
      !deadline.timedOut &&
      (deadline.abortedByCaller || (typeof code === 'string' && CALLER_SIDE_CODES.has(code)))
    ) {
      // Not the upstream's fault while the breaker is closed; while half-open it counts (errorFilter).
      this.countOutcome('cancelled', this.breaker.closed ? 'not_counted' : 'failure');
      return new CallerSideFailure(deadline.abortedByCaller ? deadline.callerReason : error);
    }
    let reason: UpstreamFailureReason = 'bad_gateway';
    if (deadline.timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) reason = 'timeout';
    else if (typeof code === 'string' && NOT_SENT_CODES.has(code)) reason = 'connection_refused';
    if (reason === 'timeout') this.telemetry.count('timeout');
    if (startedAt !== undefined) this.telemetry.observe(method, reason, startedAt);
    this.countOutcome(reason, 'failure');
    return new UpstreamError(this.name, reason, { cause: error });
  }
}

/**
 * Creates the client for one upstream. One per upstream per calling service: each has its own pool,
 * breaker and bulkhead. See platform/src/http-client/README.md for the policies.
 */
export function createUpstreamClient(options: UpstreamOptions): UpstreamClient {
  return new ResilientUpstreamClient(options);
}

/**
 * The caller's writable for an answer's head. When `into` throws (the caller refused the answer, e.g. too
 * large), the attempt is the caller's failure and undici gets the error to end the call.
 */
function openTarget(
  into: (head: ForwardedHead) => NodeJS.WritableStream,
  head: ForwardedHead,
  reject: (error: unknown) => void,
): NodeJS.WritableStream {
  try {
    return into(head);
  } catch (error) {
    reject(new CallerSideFailure(error));
    throw error;
  }
}
