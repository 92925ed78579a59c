import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

/** A write lock another process holds on an SQLite file, until `release()`. */
export interface HeldWriteLock {
  /** Commits and ends the holding process; resolves once it is gone. */
  release(): Promise<void>;
}

// The holder: opens the file, takes the write lock (BEGIN IMMEDIATE), says so, and commits when stdin ends.
const HOLDER = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2], { timeout: 10000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
process.stdin.resume();
`;

/**
 * Starts another process that takes the write lock of the SQLite database `file` (as an operator's sqlite3,
 * a backup tool or a stuck process would) and holds it until `release()`. Resolves once the lock is held.
 */
export function holdWriteLock(file: string): Promise<HeldWriteLock> {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(process.execPath, ['-e', HOLDER, betterSqlite, file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code ?? '?'}) before locking`)));
    lines.once('line', () => {
      resolve({
        release: async () => {
          child.stdin.end();
          await exited;
        },
      });
    });
  });
}
