import type { Context, Next } from 'koa';
import { acceptCorrelationId, runWithContext } from '../context/request-context.js';

export const CORRELATION_HEADER = 'X-Correlation-ID';

/**
 * Accepts a well-formed incoming X-Correlation-ID or makes a new one, echoes it, and runs the rest of the
 * request inside an async context so logs, outgoing calls and events pick it up without being passed it.
 */
export async function correlationMiddleware(ctx: Context, next: Next): Promise<void> {
  const correlationId = acceptCorrelationId(ctx.get(CORRELATION_HEADER));
  ctx.state.correlationId = correlationId;
  ctx.set(CORRELATION_HEADER, correlationId);
  await runWithContext({ correlationId }, next);
}
