import { closeSync, fstatSync, openSync, renameSync, rmSync, write, writeSync } from 'node:fs';
import winston from 'winston';
import { ecsError } from './ecs-error.js';

// winston's typings call the transport base class `transport`; at run time it is exported as `Transport`.
const TransportStream = (winston as unknown as { Transport: new () => winston.transport }).Transport;

const MESSAGE = Symbol.for('message');
const DEFAULT_FLUSH_INTERVAL_MS = 20;
export const DEFAULT_LOG_FILE_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_LOG_FILE_MAX_FILES = 5;

export interface JsonLinesFileOptions {
  filename: string;
  flushIntervalMs?: number;
  /** Rotate once the file reaches this size: `x.log` becomes `x.log.1`, `x.log.1` becomes `x.log.2`, ... */
  maxBytes?: number;
  /** Rotated files kept besides the live one; the oldest beyond it is deleted. 0 keeps none. */
  maxFiles?: number;
}

/** `<filename>.<n>`: the n-th most recent rotated file of `filename` (1 is the newest). */
export function rotatedFileName(filename: string, generation: number): string {
  return `${filename}.${generation}`;
}

/** Files with lines not yet written, flushed synchronously if the process exits before their timer. */
const unflushed = new Set<JsonLinesFile>();
let exitHookInstalled = false;

/**
 * Appends each line (the format's serialised `info[MESSAGE]`) to a file, in batches: the lines of the
 * next `flushIntervalMs` go out in one write. winston's File transport costs a write (a syscall on the
 * thread pool and a wake-up of the event loop) and four stream hops per line: on a service answering
 * thousands of requests per second, that was the largest part of what logging cost, measured. Writes are
 * asynchronous and one at a time, so lines stay in order; whatever is still buffered when the process
 * exits is written synchronously on `exit` (only a batch in flight at that moment may land after it, where
 * winston's File transport would lose both). A failing write is reported on stderr (once a minute at most)
 * and its lines dropped: logging never takes the service down.
 *
 * The file is rotated by size between two writes, so a line is never split across files and the disk use
 * is bounded by about (maxFiles + 1) × maxBytes. One process writes each file: every service has its own.
 */
export class JsonLinesFile extends TransportStream {
  readonly filename: string;
  private fd: number;
  private size: number;
  private readonly flushIntervalMs: number;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private buffered = '';
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private ended = false;
  private lastFailureReport = 0;

  constructor(options: JsonLinesFileOptions) {
    super();
    this.filename = options.filename;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_FILE_MAX_BYTES;
    this.maxFiles = options.maxFiles ?? DEFAULT_LOG_FILE_MAX_FILES;
    this.fd = openSync(options.filename, 'a');
    this.size = fstatSync(this.fd).size;
    this.once('finish', () => this.close());
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    if (!this.ended) {
      this.buffered += `${String(info[MESSAGE])}\n`;
      if (this.timer === undefined && !this.writing) this.schedule();
    }
    next();
  }

  /** Writes what is buffered and closes the file (winston calls it when the transport is removed). */
  override close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushSync();
    unflushed.delete(this);
    // An asynchronous write still in flight closes the file when it completes.
    if (!this.writing) closeSync(this.fd);
  }

  /** Synchronous: for process exit and close, when there is no later. */
  flushSync(): void {
    if (this.buffered === '') return;
    const text = this.buffered;
    this.buffered = '';
    try {
      this.rotateIfFull();
      writeSync(this.fd, text);
      this.size += Buffer.byteLength(text);
    } catch (error) {
      this.reportFailure(error);
    }
  }

  /** Between writes only: renames x.log.(n-1) to x.log.n down to x.log to x.log.1, and reopens x.log. */
  private rotateIfFull(): void {
    if (this.size < this.maxBytes) return;
    closeSync(this.fd);
    try {
      rmSync(rotatedFileName(this.filename, this.maxFiles), { force: true });
      for (let generation = this.maxFiles - 1; generation >= 1; generation -= 1) {
        try {
          renameSync(
            rotatedFileName(this.filename, generation),
            rotatedFileName(this.filename, generation + 1),
          );
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      if (this.maxFiles > 0) renameSync(this.filename, rotatedFileName(this.filename, 1));
      else rmSync(this.filename, { force: true });
    } finally {
      // Whatever happened above, keep a file to write to (the same one, if renaming failed).
      this.fd = openSync(this.filename, 'a');
      this.size = fstatSync(this.fd).size;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
    unflushed.add(this);
    installExitHook();
  }

  private flush(): void {
    this.timer = undefined;
    if (this.buffered === '' || this.ended) return;
    const text = this.buffered;
    this.buffered = '';
    try {
      this.rotateIfFull();
    } catch (error) {
      this.reportFailure(error);
    }
    this.writing = true;
    this.size += Buffer.byteLength(text);
    write(this.fd, text, (error) => {
      this.writing = false;
      if (error) this.reportFailure(error);
      if (this.ended) {
        closeSync(this.fd);
        return;
      }
      if (this.buffered !== '') this.schedule();
      else unflushed.delete(this);
    });
  }

  private reportFailure(error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureReport < 60_000) return;
    this.lastFailureReport = now;
    // ECS fields like every other line, since stderr is shipped too (k8s/logging reads both streams).
    process.stderr.write(
      `${JSON.stringify({
        '@timestamp': new Date(now).toISOString(),
        'log.level': 'warn',
        message: 'log lines could not be written',
        'file.path': this.filename,
        error: ecsError(error),
      })}\n`,
    );
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const file of unflushed) file.flushSync();
  });
}
