import { closeSync, fsync, open } from 'node:fs';
import type Database from 'better-sqlite3';

/** Closes the WAL's descriptor of a WalSync that was dropped without close() (its database was never closed). */
const descriptors = new FinalizationRegistry<{ fd: number | undefined }>((held) => {
  if (held.fd !== undefined) closeQuietly(held.fd);
});

/** close(2) of a descriptor opened read-only: nothing to flush, so it does not wait for the disk. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * Group commit for a WAL database at `synchronous = NORMAL`: commits are written to the WAL without a disk
 * sync (they survive a crash of the process), and `sync()` then makes them survive a power loss with one
 * fsync of the WAL file, on libuv's thread pool rather than the event loop, shared by every commit made
 * before it started. It is what `synchronous = FULL` does at each commit (fsync the WAL, as this build of
 * SQLite does), done once for many commits and without blocking the service while the disk works.
 *
 * The WAL file stays open from the first sync until `close()`: SQLite keeps that file (the same inode; a
 * checkpoint rewrites it from the start, never replaces it) for as long as the connection is open, so a sync
 * is one trip to the thread pool (the fsync), not three (open, fsync, close). Every trip waits for a thread
 * and then for the event loop, which on a busy machine costs more than the fsync itself.
 */
export class WalSync {
  private readonly totalChanges: Database.Statement;
  /** total_changes() covered by the last completed sync. */
  private durableAt = -1;
  private running: { at: number; done: Promise<void> } | undefined;
  private queued: Promise<void> | undefined;
  private syncs = 0;
  /** The WAL's descriptor (held in an object the finalizer can read). */
  private readonly wal: { fd: number | undefined } = { fd: undefined };
  private closed = false;

  constructor(
    db: Database.Database,
    private readonly walFile: string,
  ) {
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    descriptors.register(this, this.wal, this);
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

  /**
   * Releases the WAL's descriptor, once a sync in progress has finished with it (openDatabase calls it when
   * the database closes). Syncs asked for afterwards fail as the closed database does.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    descriptors.unregister(this);
    const release = (): void => {
      const fd = this.wal.fd;
      this.wal.fd = undefined;
      if (fd !== undefined) closeQuietly(fd);
    };
    if (this.running) this.running.done.then(release, release);
    else release();
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
    if (this.closed) throw new Error(`${this.walFile}: the database is closed`);
    const fd = this.wal.fd ?? (await this.openWal());
    // No WAL file: nothing was committed since the last connection closed (and checkpointed it).
    if (fd === undefined) return;
    this.syncs++;
    await new Promise<void>((resolve, reject) => {
      fsync(fd, (error) => (error ? reject(error) : resolve()));
    });
  }

  private openWal(): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      open(this.walFile, 'r', (error, fd) => {
        if (error) {
          if (error.code === 'ENOENT') resolve(undefined);
          else reject(error);
          return;
        }
        // Closed while it opened: not kept.
        if (this.closed) {
          closeQuietly(fd);
          reject(new Error(`${this.walFile}: the database is closed`));
          return;
        }
        this.wal.fd = fd;
        resolve(fd);
      });
    });
  }
}
