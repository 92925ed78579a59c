import type { ServerResponse } from 'node:http';
import type { CancelListener, CancelSignal } from '@shop/platform/runtime';

/**
 * The cancel signal of one pass-through: aborts the upstream call (and frees its connection) when the client
 * disconnects before the answer. One 'close' listener and no AbortController per request: creating an
 * AbortSignal measured at several µs of CPU, the largest fixed cost of the pass-through after I/O. Once the
 * body streams, the upstream client itself stops when the client's response closes.
 */
export class ClientWatch implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private readonly listeners: CancelListener[] = [];

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => this.clientClosed());
  }

  addEventListener(_type: 'abort', listener: CancelListener): void {
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: CancelListener): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  private clientClosed(): void {
    if (this.res.writableFinished) return;
    this.aborted = true;
    this.reason = new Error('The client closed the connection');
    for (const listener of [...this.listeners]) listener.handleEvent();
  }
}
