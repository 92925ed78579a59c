import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';

/** One database copied into a backup set. */
export interface BackedUpDatabase {
  /** `order-service` for `order-service.db`. */
  name: string;
  file: string;
  bytes: number;
  pages: number;
  sha256: string;
}

/** `manifest.json` of a backup set: what it holds and when it was taken. */
export interface BackupManifest {
  createdAt: string;
  sourceDir: string;
  databases: BackedUpDatabase[];
}

export interface BackupProgress {
  name: string;
  totalPages: number;
  remainingPages: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const MANIFEST = 'manifest.json';
/** Pages copied per step of the online backup: between steps the service's writes go on. */
const PAGES_PER_STEP = 256;

/** The SQLite databases of a data directory: every `<name>.db` file (services and the embedded event bus). */
export function databasesIn(dataDir: string): string[] {
  if (!existsSync(dataDir)) throw new BackupError(`the data directory ${dataDir} does not exist`);
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.db'))
    .map((entry) => entry.name.slice(0, -'.db'.length))
    .sort();
}

/** `2026-12-04T20-11-02-123Z`: sortable and valid as a file name everywhere. */
export function backupSetName(at: Date): string {
  return at.toISOString().replace(/:/g, '-').replace('.', '-');
}

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function checkIntegrity(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((row) => row.integrity_check).filter((text) => text !== 'ok');
    if (problems.length > 0)
      throw new BackupError(`${file} failed its integrity check: ${problems.join('; ')}`);
  } finally {
    db.close();
  }
}

/**
 * Copies each database with SQLite's online backup API while its service keeps running: pages are copied a
 * step at a time, and the copy restarts on its own if a write lands in pages already copied, so it is
 * always a consistent snapshot. Each copy is integrity-checked and listed with its checksum in
 * `<outDir>/<set>/manifest.json`. The set is written under a temporary name and renamed when complete.
 */
export async function backupDatabases(options: {
  dataDir: string;
  outDir: string;
  only?: readonly string[];
  now?: Date;
  onProgress?: (progress: BackupProgress) => void;
}): Promise<{ dir: string; manifest: BackupManifest }> {
  const available = databasesIn(options.dataDir);
  const names = options.only && options.only.length > 0 ? [...options.only] : available;
  const missing = names.filter((name) => !available.includes(name));
  if (missing.length > 0) {
    throw new BackupError(
      `no database named ${missing.join(', ')} in ${options.dataDir} (found: ${available.join(', ') || 'none'})`,
    );
  }
  if (names.length === 0) throw new BackupError(`no *.db file in ${options.dataDir}: nothing to back up`);
  const createdAt = options.now ?? new Date();
  const dir = join(options.outDir, backupSetName(createdAt));
  const partial = `${dir}.partial`;
  if (existsSync(dir)) throw new BackupError(`${dir} already exists`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  const databases: BackedUpDatabase[] = [];
  try {
    for (const name of names) {
      const source = new Database(join(options.dataDir, `${name}.db`), { fileMustExist: true });
      const target = join(partial, `${name}.db`);
      try {
        const result = await source.backup(target, {
          progress: ({ totalPages, remainingPages }) => {
            options.onProgress?.({ name, totalPages, remainingPages });
            return PAGES_PER_STEP;
          },
        });
        options.onProgress?.({ name, totalPages: result.totalPages, remainingPages: 0 });
        // Backups hold what the database holds (password hashes): owner only, like the database itself.
        chmodSync(target, 0o600);
        checkIntegrity(target);
        databases.push({
          name,
          file: `${name}.db`,
          bytes: statSync(target).size,
          pages: result.totalPages,
          sha256: sha256Of(target),
        });
      } finally {
        source.close();
      }
    }
    const manifest: BackupManifest = {
      createdAt: createdAt.toISOString(),
      sourceDir: options.dataDir,
      databases,
    };
    writeFileSync(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    renameSync(partial, dir);
    return { dir, manifest };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

/** The complete backup sets in `outDir`, oldest first. */
export function listBackupSets(outDir: string): { dir: string; manifest: BackupManifest }[] {
  if (!existsSync(outDir)) return [];
  return readdirSync(outDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(outDir, entry.name, MANIFEST)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ dir: join(outDir, name), manifest: readManifest(join(outDir, name)) }));
}

/** Deletes all but the `keep` newest complete sets; returns the deleted directories. */
export function pruneBackupSets(outDir: string, keep: number): string[] {
  const sets = listBackupSets(outDir);
  const doomed = sets.slice(0, Math.max(0, sets.length - keep)).map((set) => set.dir);
  for (const dir of doomed) rmSync(dir, { recursive: true, force: true });
  return doomed;
}

export function readManifest(setDir: string): BackupManifest {
  const file = join(setDir, MANIFEST);
  if (!existsSync(file)) throw new BackupError(`${setDir} is not a backup set (no ${MANIFEST})`);
  return JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
}

/** True while a process has the database open: SQLite keeps `-wal` and `-shm` files beside it in WAL mode. */
export function databaseInUse(dataDir: string, name: string): boolean {
  return ['-wal', '-shm'].some((suffix) => existsSync(join(dataDir, `${name}.db${suffix}`)));
}

/**
 * Puts the databases of a backup set back into `dataDir`. Each copy's checksum and integrity are checked
 * first; the current file is kept as `<name>.db.before-restore` and the copy renamed into place. The
 * service must be stopped: a database with `-wal`/`-shm` files is refused unless `force` is set.
 */
export async function restoreDatabases(options: {
  from: string;
  dataDir: string;
  only?: readonly string[];
  force?: boolean;
  onProgress?: (progress: BackupProgress) => void;
}): Promise<BackedUpDatabase[]> {
  const manifest = readManifest(options.from);
  const wanted =
    options.only && options.only.length > 0 ? [...options.only] : manifest.databases.map((db) => db.name);
  const chosen = wanted.map((name) => {
    const entry = manifest.databases.find((db) => db.name === name);
    if (!entry)
      throw new BackupError(`the backup set ${basename(options.from)} has no database named ${name}`);
    return entry;
  });
  for (const entry of chosen) {
    const copy = join(options.from, entry.file);
    if (!existsSync(copy)) throw new BackupError(`${copy} is missing from the backup set`);
    if (sha256Of(copy) !== entry.sha256)
      throw new BackupError(`${copy} does not match its checksum in the manifest`);
    checkIntegrity(copy);
    if (!options.force && databaseInUse(options.dataDir, entry.name)) {
      throw new BackupError(
        `${entry.name}.db is in use (its -wal/-shm files exist): stop ${entry.name} first, or pass --force if it is not running`,
      );
    }
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  for (const entry of chosen) {
    const live = join(options.dataDir, entry.file);
    const incoming = `${live}.restoring`;
    rmSync(incoming, { force: true });
    const source = new Database(join(options.from, entry.file), { readonly: true, fileMustExist: true });
    try {
      const result = await source.backup(incoming, {
        progress: ({ totalPages, remainingPages }) => {
          options.onProgress?.({ name: entry.name, totalPages, remainingPages });
          return PAGES_PER_STEP;
        },
      });
      options.onProgress?.({ name: entry.name, totalPages: result.totalPages, remainingPages: 0 });
    } finally {
      source.close();
    }
    chmodSync(incoming, 0o600);
    if (existsSync(live)) renameSync(live, `${live}.before-restore`);
    for (const suffix of ['-wal', '-shm']) rmSync(`${live}${suffix}`, { force: true });
    renameSync(incoming, live);
  }
  return chosen;
}
