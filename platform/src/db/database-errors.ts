import { AppError } from '../errors/app-error.js';

/**
 * The database stayed locked by another process for longer than the service waits (DatabaseSettings
 * `lockWaitMs`): 503 `database_busy` with Retry-After. Nothing was written.
 */
export class DatabaseBusyError extends AppError {
  constructor(
    readonly waitedMs: number,
    cause?: unknown,
  ) {
    super('database_busy', 'The database is busy; nothing was changed, retry in a moment', 503, {
      headers: { 'Retry-After': '1' },
      cause,
      expose: true,
    });
    this.name = 'DatabaseBusyError';
  }
}

/**
 * What an SQLite error the service could not help means for its client, or undefined when it is a bug (a
 * constraint, a syntax error: 500 as any other). A lock held elsewhere: 503 `database_busy`; a file that
 * cannot be written or read (read-only, disk full, I/O error): 503 `database_unavailable`.
 */
export function databaseFault(error: unknown): AppError | undefined {
  if (error instanceof AppError) return undefined;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (/^SQLITE_(BUSY|LOCKED)(_|$)/.test(code)) return new DatabaseBusyError(0, error);
  if (/^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|NOTADB|CORRUPT)(_|$)/.test(code)) {
    return new AppError('database_unavailable', 'The database cannot be used right now; retry later', 503, {
      headers: { 'Retry-After': '5' },
      cause: error,
      expose: true,
    });
  }
  return undefined;
}
