import type { Context, Next } from 'koa';
import { databaseFault } from '../db/database-errors.js';
import { AppError, type ErrorBody } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';

/**
 * First in every chain: turns anything thrown into the JSON error shape of docs/architecture.md#public-api.
 * Only exposed messages reach the client; a 5xx says "Internal server error" and the log has the rest.
 */
export function errorMiddleware(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      // `respond = false`: a middleware writes the response itself (the gateway's streamed pass-through).
      if (ctx.respond !== false && (ctx.body === undefined || ctx.body === null)) {
        // Set by the router's allowedMethods(): no route for this method, or none at all.
        if (ctx.status === 404) throw new AppError('not_found', 'Route not found', 404);
        if (ctx.status === 405) {
          throw new AppError('method_not_allowed', `Method ${ctx.method} not allowed`, 405, {
            headers: { Allow: ctx.response.get('Allow') },
          });
        }
        if (ctx.status === 501)
          throw new AppError('not_implemented', `Method ${ctx.method} not supported`, 501);
      }
    } catch (caught) {
      const error = normalise(caught);
      if (error.status >= 500) {
        logger.error('request failed', {
          err: caught instanceof Error ? caught : new Error(String(caught)),
          correlationId: ctx.state.correlationId as string | undefined,
          userId: ctx.state.user?.id,
          url: { path: ctx.path },
        });
      }
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.status = error.status;
      const body: ErrorBody = {
        error: {
          code: error.code,
          message: error.expose ? error.message : 'Internal server error',
          correlationId: ctx.state.correlationId as string,
        },
      };
      if (error.expose && error.details !== undefined) body.error.details = error.details;
      ctx.body = body;
    }
  };
}

function normalise(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  const fault = databaseFault(caught);
  if (fault) return fault;
  // Errors raised by Koa itself (ctx.throw, http-errors) carry status and expose.
  const httpError = caught as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    const status = httpError.status;
    return new AppError(
      codeForStatus(status),
      typeof httpError.message === 'string' ? httpError.message : 'Bad request',
      status,
      {
        expose: httpError.expose !== false,
      },
    );
  }
  return new AppError('internal_error', 'Internal server error', 500, { cause: caught, expose: false });
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    default:
      return 'bad_request';
  }
}
