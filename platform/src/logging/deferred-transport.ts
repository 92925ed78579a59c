import winston from 'winston';

// winston's typings call the transport base class `transport`; at run time it is exported as `Transport`.
const TransportStream = (winston as unknown as { Transport: new () => winston.transport }).Transport;

/** The most lines kept while the real transport loads (it takes milliseconds; this only bounds a failure). */
const PENDING_LIMIT = 5_000;

interface Draining {
  drained?: () => Promise<void>;
}

type Target = winston.transport & Draining;

/**
 * A transport whose implementation is loaded on first use (a dynamic `import()`), so a process that does
 * not use it never loads its libraries. Logging never waits for the load: lines logged meanwhile are kept
 * (up to 5,000) and handed over once it has loaded. Ending the logger ends the real transport, and
 * `drained()` waits for it, as `endLogger` expects of a transport that finishes after its stream.
 */
export class DeferredTransport extends TransportStream {
  private target: Target | undefined;
  private pending: winston.Logform.TransformableInfo[] = [];
  private readonly loading: Promise<Target | undefined>;
  private closeRequested = false;

  constructor(load: Promise<winston.transport>, onLoadFailure: (error: unknown) => void) {
    super();
    this.loading = load.then(
      async (target: Target) => {
        // Handed over before anything else reaches the transport (a close, the end), in their order,
        // including lines logged during the hand-over.
        for (let info = this.pending.shift(); info !== undefined; info = this.pending.shift()) {
          await new Promise<void>((resolve) => {
            if (target.log) target.log(info, resolve);
            else resolve();
          });
        }
        this.target = target;
        if (this.closeRequested) target.close?.();
        return target;
      },
      (error: unknown) => {
        this.pending = [];
        onLoadFailure(error);
        return undefined;
      },
    );
    // The logger ended: so does the real transport, once it is there (its last flush starts then).
    this.once('finish', () => {
      void this.loading.then((target) => target?.end());
    });
  }

  override log(info: winston.Logform.TransformableInfo, next: () => void): void {
    if (this.target && this.pending.length === 0) {
      this.target.log?.(info, next);
      return;
    }
    if (this.pending.length < PENDING_LIMIT) this.pending.push(info);
    next();
  }

  /** Called by winston when the transport is removed or the logger closes. */
  override close(): void {
    this.closeRequested = true;
    this.target?.close?.();
  }

  /** Resolves once the real transport has finished after the logger ended (its last request answered). */
  async drained(): Promise<void> {
    const target = await this.loading;
    if (!target) return;
    const state = (target as { _writableState?: { finished?: boolean } })._writableState;
    if (!(target.writableFinished || state?.finished === true)) {
      await new Promise<void>((resolve) => target.once('finish', () => resolve()));
    }
    await target.drained?.();
  }
}
