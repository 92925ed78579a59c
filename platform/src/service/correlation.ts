import type { Context, Next } from 'koa';
import { acceptCorrelationId, runWithContext } from '../context/request-context.js';
import { failSpan, SPAN_KIND, startSpanFrom, tracingEnabled } from '../tracing/tracing.js';
import { routeTemplate } from './observe.js';

export const CORRELATION_HEADER = 'X-Correlation-ID';

/**
 * Accepts a well-formed incoming X-Correlation-ID or makes a new one, echoes it, and runs the rest of the
 * request inside an async context so logs, outgoing calls and events pick it up without being passed it.
 * Not async: it hands back the rest of the chain's promise instead of wrapping it in one more. With tracing
 * on, the request also gets a SERVER span, child of a valid incoming W3C `traceparent` (else a new trace).
 */
export function correlationMiddleware(ctx: Context, next: Next): Promise<void> {
  const correlationId = acceptCorrelationId(ctx.req.headers['x-correlation-id']);
  ctx.state.correlationId = correlationId;
  // node's setHeader directly: Koa's ctx.set allocates arrays per call, and this runs on every request.
  ctx.res.setHeader(CORRELATION_HEADER, correlationId);
  if (!tracingEnabled()) return runWithContext({ correlationId }, next);
  return tracedRequest(ctx, next, correlationId);
}

async function tracedRequest(ctx: Context, next: Next, correlationId: string): Promise<void> {
  const method = ctx.method;
  const span = startSpanFrom(ctx.req.headers, method, SPAN_KIND.SERVER, {
    'http.request.method': method,
    'url.path': ctx.path,
    correlation_id: correlationId,
  });
  let status = 500;
  try {
    await runWithContext({ correlationId, span }, next);
    status = ctx.status;
    // An answered 5xx; a thrown one is marked with its message below (setting it again would drop the message).
    if (status >= 500) span?.setStatus({ code: 2 });
  } catch (error) {
    const thrown = (error as { status?: unknown } | null)?.status;
    status = typeof thrown === 'number' ? thrown : 500;
    if (status >= 500) failSpan(span, error);
    throw error;
  } finally {
    if (span !== undefined) {
      const route = routeTemplate(ctx);
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      span.end();
    }
  }
}
