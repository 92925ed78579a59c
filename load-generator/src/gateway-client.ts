import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';

/** What a budgeted route reports in its RateLimit-* headers (on every answer, 429 included). */
export interface Quota {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** One answer of the gateway, or the transport error that replaced it (status 0). */
export interface Reply {
  status: number;
  /** Parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  /** From the request leaving to the body's last byte. */
  ms: number;
  /** The gateway's X-Correlation-ID, for `npm run trace`. */
  correlationId: string | undefined;
  quota: Quota | undefined;
  retryAfterSeconds: number | undefined;
  /** `error.code` of the platform's error body, when there is one. */
  errorCode: string | undefined;
  /** Set when no answer came: `timeout`, `ECONNREFUSED`, … */
  transportError: string | undefined;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GatewayClientOptions {
  /** Keep-alive connections to the gateway. */
  connections: number;
  /** Per request, headers and body each (the gateway's own order timeout is 12 s). */
  timeoutMs?: number;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function numberHeader(headers: Dispatcher.ResponseData['headers'], name: string): number | undefined {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function quotaOf(headers: Dispatcher.ResponseData['headers']): Quota | undefined {
  const limit = numberHeader(headers, 'ratelimit-limit');
  const remaining = numberHeader(headers, 'ratelimit-remaining');
  const resetSeconds = numberHeader(headers, 'ratelimit-reset');
  if (limit === undefined || remaining === undefined || resetSeconds === undefined) return undefined;
  return { limit, remaining, resetSeconds };
}

function errorCodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function transportErrorOf(error: unknown): string {
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (typeof code === 'string') return code;
  if (typeof name === 'string' && name !== 'Error') return name;
  return typeof message === 'string' ? message.slice(0, 60) : 'error';
}

/**
 * JSON calls to one gateway over a keep-alive pool. It never throws for an HTTP status or a broken
 * connection: the caller gets a Reply saying what happened, timed, with the correlation ID and quota.
 * It only ever talks to the origin it was made for.
 */
export class GatewayClient {
  readonly origin: string;
  private readonly pool: Pool;

  constructor(baseUrl: string, options: GatewayClientOptions) {
    this.origin = new URL(baseUrl).origin;
    const timeout = options.timeoutMs ?? 15_000;
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: 1,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'shop-load-generator',
      ...options.headers,
    };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    try {
      const response = await this.pool.request({
        method: method,
        path,
        headers,
        ...(payload !== undefined && { body: payload }),
      });
      const text = await response.body.text();
      const ms = performance.now() - started;
      let body: unknown = text === '' ? undefined : text;
      if (text !== '' && (header(response.headers, 'content-type') ?? '').includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          // A broken JSON body stays text; the status says what happened.
        }
      }
      return {
        status: response.statusCode,
        body,
        ms,
        correlationId: header(response.headers, 'x-correlation-id'),
        quota: quotaOf(response.headers),
        retryAfterSeconds: numberHeader(response.headers, 'retry-after'),
        errorCode: errorCodeOf(body),
        transportError: undefined,
      };
    } catch (error) {
      return {
        status: 0,
        body: undefined,
        ms: performance.now() - started,
        correlationId: undefined,
        quota: undefined,
        retryAfterSeconds: undefined,
        errorCode: undefined,
        transportError: transportErrorOf(error),
      };
    }
  }

  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Closes at once, failing requests still in flight. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

/** `201` or `409 out_of_stock` or `ECONNREFUSED`: how an answer is counted and shown. */
export function outcomeKey(reply: Reply): string {
  if (reply.status === 0) return reply.transportError ?? 'error';
  return reply.errorCode === undefined ? String(reply.status) : `${reply.status} ${reply.errorCode}`;
}
