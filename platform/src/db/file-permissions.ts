import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Data files are readable by their owner only: they hold password hashes, orders, payments and mail. */
const DATA_FILE_MODE = 0o600;
const DATA_DIR_MODE = 0o700;

/**
 * Creates the directory of a SQLite `file` (0700) and the file itself (0600) before SQLite opens it, and
 * tightens both when they already exist with wider modes (databases created before this rule). SQLite gives
 * its -wal, -shm and -journal files the mode of the database file, so they follow. A directory this process
 * does not own (a mounted volume) keeps its mode: that is the volume's owner's to set.
 */
export function restrictDataFile(file: string): void {
  const path = resolve(file);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  tighten(dir, DATA_DIR_MODE);
  if (!existsSync(path)) closeSync(openSync(path, 'a', DATA_FILE_MODE));
  tighten(path, DATA_FILE_MODE);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(`${path}${suffix}`)) tighten(`${path}${suffix}`, DATA_FILE_MODE);
  }
}

/**
 * Not ours to change (EPERM), or on a read-only file system (EROFS: a failing disk remounted read-only, a
 * read-only volume): the mode stays as it is. The service must still start then, serve reads and report
 * through readiness that it cannot write (docs/operations/database-availability.md), not crash here.
 */
const UNCHANGEABLE = new Set(['EPERM', 'EROFS']);

function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    if (!UNCHANGEABLE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}
