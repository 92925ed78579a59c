import { open } from 'node:fs/promises';
import type Database from 'better-sqlite3';

/**
 * Group commit for a WAL database at `synchronous = NORMAL`: commits are written to the WAL without a disk
 * sync (they survive a crash of the process), and `sync()` then makes them survive a power loss with one
 * fsync of the WAL file, on libuv's thread pool rather than the event loop, shared by every commit made
 * before it started. It is what `synchronous = FULL` does at each commit (sync the WAL), done once for many
 * commits and without blocking the service while the disk works.
 */
export class WalSync {
  private readonly totalChanges: Database.Statement;
  /** total_changes() covered by the last completed sync. */
  private durableAt = -1;
  private running: { at: number; done: Promise<void> } | undefined;
  private queued: Promise<void> | undefined;
  private syncs = 0;

  constructor(
    db: Database.Database,
    private readonly walFile: string,
  ) {
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /** How many fsyncs it has made (tests and metrics). */
  get count(): number {
    return this.syncs;
  }

  /** Resolves once every commit this connection made before the call is on disk. */
  sync(): Promise<void> {
    const at = this.totalChanges.get() as number;
    if (at === this.durableAt && this.running === undefined) return Promise.resolve();
    if (this.running && this.running.at >= at) return this.running.done;
    // A sync in progress began before this commit: the next one, shared by every caller until it starts.
    if (this.running) {
      this.queued ??= this.running.done.then(
        () => this.startQueued(),
        () => this.startQueued(),
      );
      return this.queued;
    }
    return this.start(at);
  }

  private startQueued(): Promise<void> {
    this.queued = undefined;
    return this.start(this.totalChanges.get() as number);
  }

  private start(at: number): Promise<void> {
    const done = this.flush().then(() => {
      this.durableAt = Math.max(this.durableAt, at);
    });
    const running = { at, done };
    this.running = running;
    const clear = () => {
      if (this.running === running) this.running = undefined;
    };
    done.then(clear, clear);
    return done;
  }

  private async flush(): Promise<void> {
    let handle;
    try {
      handle = await open(this.walFile, 'r');
    } catch (error) {
      // No WAL file: nothing was committed since the last connection closed (and checkpointed it).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      this.syncs++;
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
