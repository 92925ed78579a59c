/**
 * The one error type of the platform. `code` is a stable snake_case identifier clients can switch on;
 * `expose` decides whether `message` may reach a client (5xx messages never do).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    message: string,
    status = 500,
    options: { details?: unknown; headers?: Record<string, string>; cause?: unknown; expose?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (message: string, details?: unknown): AppError =>
  new AppError('validation_failed', message, 400, { details });
export const unauthorized = (message = 'Authentication required'): AppError =>
  new AppError('unauthorized', message, 401, { headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (message = 'You are not allowed to do this'): AppError =>
  new AppError('forbidden', message, 403);
export const notFound = (what = 'Resource'): AppError => new AppError('not_found', `${what} not found`, 404);
export const conflict = (code: string, message: string): AppError => new AppError(code, message, 409);

/** The JSON body every error response carries (docs/architecture.md#public-api). */
export interface ErrorBody {
  error: { code: string; message: string; correlationId: string; details?: unknown };
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
