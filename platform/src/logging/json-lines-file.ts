import { closeSync, openSync, write, writeSync } from 'node:fs';
import winston from 'winston';

// winston's typings call the transport base class `transport`; at run time it is exported as `Transport`.
const TransportStream = (winston as unknown as { Transport: new () => winston.transport }).Transport;

const MESSAGE = Symbol.for('message');
const DEFAULT_FLUSH_INTERVAL_MS = 20;

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
 */
export class JsonLinesFile extends TransportStream {
  readonly filename: string;
  private readonly fd: number;
  private readonly flushIntervalMs: number;
  private buffered = '';
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private ended = false;
  private lastFailureReport = 0;

  constructor(options: { filename: string; flushIntervalMs?: number }) {
    super();
    this.filename = options.filename;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.fd = openSync(options.filename, 'a');
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
      writeSync(this.fd, text);
    } catch (error) {
      this.reportFailure(error);
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
    this.writing = true;
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
    process.stderr.write(
      `${JSON.stringify({ message: 'log lines could not be written', file: this.filename, error: String(error) })}\n`,
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
