import type { CancelSignal } from './upstream-client.js';

/**
 * One attempt's time budget and cancellation, passed to undici as the request's `signal`: it aborts the
 * request when the timeout fires or when the caller's own signal aborts, and remembers which of the two.
 *
 * Why not AbortController + undici's headersTimeout: undici takes any object with `aborted`, `reason` and
 * `addEventListener`/`removeEventListener` as a signal, and this one costs a fraction of an AbortController
 * (an EventTarget) or even an EventEmitter on every gateway request; and undici's timers are coarse (±500 ms
 * above 1 s), while the timeout is a promise to callers (504 within timeout + 10 %), so a plain setTimeout
 * keeps it precise.
 */
export class AttemptDeadline {
  aborted = false;
  reason: unknown = undefined;
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly callerSignal: CancelSignal | undefined;
  private listeners: (() => void)[] = [];

  constructor(timeoutMs: number, callerSignal: CancelSignal | undefined) {
    this.callerSignal = callerSignal;
    this.timer = setTimeout(expire, timeoutMs, this);
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) this.abort(callerSignal.reason);
      else callerSignal.addEventListener('abort', this);
    }
  }

  get abortedByCaller(): boolean {
    return this.callerSignal?.aborted === true;
  }

  get callerReason(): unknown {
    return this.callerSignal?.reason;
  }

  /** The caller's signal aborted (an EventListener object, so no closure per attempt). */
  handleEvent(): void {
    this.abort(this.callerSignal?.reason);
  }

  expire(): void {
    this.timedOut = true;
    this.abort(undefined);
  }

  /** The answer arrived in time; the caller may still cancel until dispose(). */
  stopClock(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this);
  }

  /** undici's side: it listens for 'abort' (once; this signal aborts at most once anyway). */
  addEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

function expire(deadline: AttemptDeadline): void {
  deadline.expire();
}
