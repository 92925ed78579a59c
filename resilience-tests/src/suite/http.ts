import { Agent, request, type Dispatcher } from 'undici';

export interface Reply {
  /** 0 when no HTTP response arrived (see `error`). */
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, otherwise undefined (see `text`). */
  body: unknown;
  text: string;
  /** Wall time from sending to the end of the body. */
  ms: number;
  /** Network-level failure code (ECONNREFUSED, timeout...) when status is 0. */
  error?: string;
}

export interface SendOptions {
  /** Sent as JSON unless it is a string or Buffer (sent as is). */
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  contentType?: string;
  timeoutMs?: number;
}

let sourceAgent: { address: string; dispatcher: Dispatcher } | undefined;
let observer: ((method: string, path: string, reply: Reply, baseUrl: string) => void) | undefined;

/**
 * Sends every later request (send() and rawRequest()) from this local address, e.g. a loopback alias
 * such as 127.42.7.9, so the gateway's per-IP budgets it spends are its own; undefined: the OS's choice.
 */
export function sendFrom(address: string | undefined): void {
  const previous = sourceAgent;
  sourceAgent =
    address === undefined ? undefined : { address, dispatcher: new Agent({ localAddress: address }) };
  void previous?.dispatcher.close();
}

/** The local address requests leave from, when one was set. */
export function sourceAddress(): string | undefined {
  return sourceAgent?.address;
}

/** Calls `callback` with every reply the suite gets from now on (until called with undefined). */
export function observeReplies(
  callback: ((method: string, path: string, reply: Reply, baseUrl: string) => void) | undefined,
): void {
  observer = callback;
}

/** One HTTP call for the suite: never throws, measures its own latency, parses JSON leniently. */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply> {
  const reply = await sendOnce(baseUrl, method, path, options);
  recordReply(method, path, reply, baseUrl);
  return reply;
}

/** Hands a reply to the observer (rawRequest() records its replies too), with where it was sent. */
export function recordReply(method: string, path: string, reply: Reply, baseUrl: string): void {
  observer?.(method, path, reply, baseUrl);
}

async function sendOnce(
  baseUrl: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.contentType) {
    headers['content-type'] = options.contentType;
  }
  const started = performance.now();
  try {
    const response = await request(`${baseUrl}${path}`, {
      method: method as 'GET',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      ...(sourceAgent ? { dispatcher: sourceAgent.dispatcher } : {}),
    });
    const text = await response.body.text();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      status: response.statusCode,
      headers: flat,
      body: parseJson(text),
      text,
      ms: performance.now() - started,
    };
  } catch (error) {
    const failure = error as Error & { code?: string };
    return {
      status: 0,
      headers: {},
      body: undefined,
      text: '',
      ms: performance.now() - started,
      error: failure.code ?? failure.name ?? failure.message,
    };
  }
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `error.code` of a JSON error body, if any. */
export function errorCode(reply: Reply): string | undefined {
  const error = (reply.body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** Runs `task` for each item with at most `concurrency` in flight, keeping results in order. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}
