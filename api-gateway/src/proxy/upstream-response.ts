import { Writable } from 'node:stream';
import type { Context } from 'koa';
import { AppError, type ForwardedHead } from '@shop/platform/runtime';

/**
 * Upstream headers the client never sees: they describe the upstream, not the API (`server`,
 * `x-powered-by`), set state the API never sets (`set-cookie`: the API is bearer-token only, so a cookie
 * could only come from a compromised or misconfigured upstream), or belong to the upstream connection
 * (hop-by-hop; the upstream client already drops them, this is the second line).
 */
const DROPPED = new Set([
  'x-powered-by',
  'server',
  'set-cookie',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** An absolute or scheme-relative URL: it names a host, which from an upstream is an internal one. */
const NAMES_A_HOST = /^(?:[a-z][a-z0-9+.-]*:|[\\/]{2})/i;

/** UPSTREAM_MAX_RESPONSE_BYTES's default: the largest body the gateway relays. */
const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/**
 * Starts the client's response with the upstream's status and headers, and returns where the upstream
 * client writes the body: straight into the client's socket (`ctx.respond = false` tells Koa and the error
 * middleware the response is being written), so there is no intermediate stream, pipe or Koa `pipeline`
 * (which creates an AbortController and a DOMException per response: ~80 µs of CPU, measured).
 */
export function startUpstreamResponse(
  ctx: Context,
  head: ForwardedHead,
  maxBytes: number = DEFAULT_MAX_RESPONSE_BYTES,
): NodeJS.WritableStream {
  const headers = head.headers;
  const declared = Number(headers['content-length'] ?? NaN);
  // Thrown before anything is written: the call ends (the body is never read) and the client gets a 502.
  if (declared > maxBytes) {
    throw new AppError(
      'upstream_response_too_large',
      'The service answered more than the gateway relays',
      502,
      {
        expose: true,
      },
    );
  }
  ctx.status = head.status;
  const res = ctx.res;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || DROPPED.has(name)) continue;
    // A Location naming a host points into the platform's network: never shown (relative ones are kept).
    if (name === 'location' && (typeof value !== 'string' || NAMES_A_HOST.test(value.trim()))) continue;
    // node's setHeader for the usual single values (Koa's ctx.set allocates arrays per call); repeated
    // headers keep Koa's handling (it refuses several values of a single-value header).
    if (typeof value === 'string') res.setHeader(name, value);
    else ctx.set(name, value);
  }
  if (ctx.method === 'HEAD' || head.status === 204 || head.status === 304) {
    // Nothing to send: Koa answers with the headers; whatever the upstream sends is drained.
    ctx.body = null;
    return discard();
  }
  ctx.respond = false;
  // With a Content-Length within the cap, undici never delivers more: the socket is written directly.
  // Without one, the bytes are counted and the connection cut once they pass the cap.
  return Number.isFinite(declared) ? res : capped(res, maxBytes);
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

function capped(res: NodeJS.WritableStream & { destroy(error?: Error): void }, maxBytes: number): Writable {
  let written = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > maxBytes) {
        const error = new Error(`upstream response larger than ${maxBytes} bytes`);
        res.destroy(error);
        done(error);
        return;
      }
      if (res.write(chunk)) done();
      else res.once('drain', () => done());
    },
    final(done) {
      res.end();
      done();
    },
    destroy(error, done) {
      if (error) res.destroy(error);
      done(error);
    },
  });
}
