import type { Context, Next } from 'koa';
import { acceptCorrelationId, runWithContext } from '../context/request-context.js';

export const CORRELATION_HEADER = 'X-Correlation-ID';

/**
 * Accepts a well-formed incoming X-Correlation-ID or makes a new one, echoes it, and runs the rest of the
 * request inside an async context so logs, outgoing calls and events pick it up without being passed it.
 * Not async: it hands back the rest of the chain's promise instead of wrapping it in one more.
 */
export function correlationMiddleware(ctx: Context, next: Next): Promise<void> {
  const correlationId = acceptCorrelationId(ctx.req.headers['x-correlation-id']);
  ctx.state.correlationId = correlationId;
  // node's setHeader directly: Koa's ctx.set allocates arrays per call, and this runs on every request.
  ctx.res.setHeader(CORRELATION_HEADER, correlationId);
  return runWithContext({ correlationId }, next);
}
