import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BackupError,
  backupDatabases,
  listBackupSets,
  pruneBackupSets,
  restoreDatabases,
  type BackupProgress,
} from '../backup/sqlite-backup.js';

const USAGE = `Usage: npm run backup -- <command> [options]

Online backups of the services' SQLite databases (SQLite's backup API: the services keep running).

Commands:
  backup    copy every <name>.db of the data directory into a new backup set <out>/<UTC time>/,
            integrity-checked, with a manifest (sizes, SHA-256)
  list      show the backup sets in <out>
  restore   put the databases of one backup set back (stop the services first)

Options:
  --data-dir <dir>   the services' DATA_DIR (default: $DATA_DIR, else ./data)
  --out <dir>        where backup sets live (default: <data-dir>/backups)
  --only <name>      only this database, e.g. --only order-service (repeatable)
  --keep <n>         backup: afterwards keep only the n newest sets in <out>
  --from <set dir>   restore: the backup set to restore (see list), or 'latest': the newest set in <out>
  --force            restore: even if the database looks in use (-wal/-shm files present)
  --help             this text

Examples:
  npm run backup -- backup --keep 7
  npm run backup -- list
  npm run backup -- restore --from data/backups/2026-12-04T02-17-00-000Z --only order-service`;

/** The environment the command reads (passed in: only the entry below touches process.env). */
export interface BackupCliEnv {
  DATA_DIR?: string | undefined;
}

export interface BackupCliOutput {
  out(line: string): void;
  err(line: string): void;
}

interface ParsedArgs {
  command?: string;
  dataDir?: string;
  out?: string;
  from?: string;
  only: string[];
  keep?: number;
  force: boolean;
  help: boolean;
}

const VALUE_OPTIONS = ['--data-dir', '--out', '--only', '--keep', '--from'] as const;

function parseArgs(argv: readonly string[]): ParsedArgs | string {
  const parsed: ParsedArgs = { only: [], force: false, help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--help' || flag === '-h') parsed.help = true;
    else if (flag === '--force') parsed.force = true;
    else if ((VALUE_OPTIONS as readonly string[]).includes(flag ?? '')) {
      const value = inline ?? argv[index + 1];
      if (value === undefined || value === '' || value.startsWith('--')) return `${flag} needs a value`;
      if (inline === undefined) index += 1;
      if (flag === '--data-dir') parsed.dataDir = value;
      else if (flag === '--out') parsed.out = value;
      else if (flag === '--from') parsed.from = value;
      else if (flag === '--only') parsed.only.push(value);
      else {
        const keep = Number(value);
        if (!Number.isInteger(keep) || keep < 1)
          return `--keep needs a whole number of sets (1 or more), got ${value}`;
        parsed.keep = keep;
      }
    } else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (parsed.command === undefined) parsed.command = arg;
    else return `unexpected argument ${arg}`;
  }
  return parsed;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** One line per 25 % step of each database (and its end), so a large copy shows it is moving. */
function progressPrinter(out: BackupCliOutput, verb: string): (progress: BackupProgress) => void {
  const shown = new Map<string, number>();
  return ({ name, totalPages, remainingPages }) => {
    const done = totalPages === 0 ? 100 : Math.floor(((totalPages - remainingPages) / totalPages) * 100);
    const step = done === 100 ? 100 : Math.floor(done / 25) * 25;
    if ((shown.get(name) ?? -1) >= step) return;
    shown.set(name, step);
    out.out(
      `  ${verb} ${name}.db ${String(done).padStart(3)}% (${totalPages - remainingPages}/${totalPages} pages)`,
    );
  };
}

/**
 * The `npm run backup` command, as a function so tests run it. Returns the exit code: 0 done, 1 the
 * backup or restore failed (message on stderr), 2 bad usage.
 */
export async function runBackupCli(
  argv: readonly string[],
  env: BackupCliEnv,
  out: BackupCliOutput,
  now: () => Date = () => new Date(),
): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    out.err(`${args}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out.out(USAGE);
    return 0;
  }
  const dataDir = resolve(args.dataDir ?? (env.DATA_DIR || 'data'));
  const outDir = resolve(args.out ?? join(dataDir, 'backups'));
  const started = Date.now();
  try {
    switch (args.command) {
      case 'backup': {
        out.out(`Backing up the databases of ${dataDir} to ${outDir}`);
        const { dir, manifest } = await backupDatabases({
          dataDir,
          outDir,
          only: args.only,
          now: now(),
          onProgress: progressPrinter(out, 'copying'),
        });
        const bytes = manifest.databases.reduce((sum, db) => sum + db.bytes, 0);
        const pruned = args.keep === undefined ? [] : pruneBackupSets(outDir, args.keep);
        out.out(
          `Backed up ${manifest.databases.length} database(s) (${megabytes(bytes)}, integrity ok) to ${dir} ` +
            `in ${((Date.now() - started) / 1000).toFixed(1)} s` +
            (args.keep === undefined
              ? ''
              : `; kept the ${args.keep} newest set(s), deleted ${pruned.length}`),
        );
        out.out(`Restore with: npm run backup -- restore --from ${dir} --data-dir ${dataDir}`);
        return 0;
      }
      case 'list': {
        const sets = listBackupSets(outDir);
        if (sets.length === 0) {
          out.out(`No backup sets in ${outDir}. Make one with: npm run backup -- backup`);
          return 0;
        }
        for (const set of sets) {
          const bytes = set.manifest.databases.reduce((sum, db) => sum + db.bytes, 0);
          const names = set.manifest.databases.map((db) => db.name).join(', ');
          out.out(`${set.dir}  ${set.manifest.createdAt}  ${megabytes(bytes)}  ${names}`);
        }
        out.out(`${sets.length} backup set(s) in ${outDir}`);
        return 0;
      }
      case 'restore': {
        if (args.from === undefined) {
          out.err(`restore needs --from <backup set dir> (npm run backup -- list shows them)\n\n${USAGE}`);
          return 2;
        }
        const latest = args.from === 'latest' ? listBackupSets(outDir).at(-1) : undefined;
        if (args.from === 'latest' && latest === undefined) {
          out.err(`backup: no backup set in ${outDir} to restore`);
          return 1;
        }
        const from = latest?.dir ?? resolve(args.from);
        out.out(`Restoring ${from} into ${dataDir}`);
        const restored = await restoreDatabases({
          from,
          dataDir,
          only: args.only,
          force: args.force,
          onProgress: progressPrinter(out, 'restoring'),
        });
        out.out(
          `Restored ${restored.length} database(s) (${restored.map((db) => db.name).join(', ')}) in ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s; the previous files are kept as <name>.db.before-restore. ` +
            'Start the services again.',
        );
        return 0;
      }
      case undefined:
        out.err(`a command is needed: backup, list or restore\n\n${USAGE}`);
        return 2;
      default:
        out.err(`unknown command ${args.command}: use backup, list or restore\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof BackupError) && !(error instanceof Error && 'code' in error)) throw error;
    out.err(`backup: ${error.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBackupCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
