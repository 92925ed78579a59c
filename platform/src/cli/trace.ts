import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isValidCorrelationId } from '../context/request-context.js';
import { searchRequestInElasticsearch } from '../trace/elasticsearch-source.js';
import { readRequestFromLogFiles } from '../trace/file-source.js';
import type { RequestMatch } from '../trace/request-match.js';
import { TraceSourceError } from '../trace/source-error.js';
import { buildTimeline, formatTimeline, timelineJson } from '../trace/timeline.js';
import { parseCommandLine, UsageError } from './command-line.js';
import { locateStack, STACK_FILE, StackNotFoundError, type StackFile } from './stack-location.js';
import { printableLines } from './terminal-text.js';

const USAGE = `Usage: npm run trace -- <correlation-id> [--dir <dir>] [--json]

Shows one request's timeline across all services: time, offset from the first line, service, level,
duration (event.duration) and message. The ID is the X-Correlation-ID response header; its first
characters are enough when they match one request only.

Options:
  --dir <dir>   the data directory of a stack (DATA_DIR of npm start), or a directory of log files
  --json        one JSON object instead of the table
  -h, --help    this help

Where the lines come from:
  - Elasticsearch (index ecommerce-logs-*) when ELASTICSEARCH_URL is set and --dir is not;
  - otherwise the JSON log files of a stack, <data dir>/logs/*.log and their rotated files *.log.1,
    *.log.2, ..., found from --dir, else the DATA_DIR variable, else ./data (npm start's default). npm start prints the line to paste into
    another terminal: export GW=… DATA_DIR=…

Exit codes: 0 shown, 1 nothing found or the source cannot be read, 2 bad usage or an ambiguous prefix.`;

/** The environment the command reads (passed in: only the entry below touches process.env). */
export interface TraceCliEnv {
  ELASTICSEARCH_URL?: string | undefined;
  DATA_DIR?: string | undefined;
}

export interface TraceCliOutput {
  out(line: string): void;
  err(line: string): void;
}

interface Loaded {
  match: RequestMatch;
  from: string;
  note?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The logs directory: `--dir` as a data directory (it has logs/ or stack.json) or as the logs themselves. */
function logsDirectory(dir: string | undefined, env: TraceCliEnv): { logs: string; stack?: StackFile } {
  if (dir !== undefined) {
    const given = resolve(dir);
    const isDataDir = isDirectory(join(given, 'logs')) || existsSync(join(given, STACK_FILE));
    if (!isDataDir) {
      if (!isDirectory(given)) throw new StackNotFoundError(`${given} (from --dir) is not a directory`);
      return { logs: given };
    }
  }
  const location = locateStack({ dir, dataDirVariable: env.DATA_DIR, command: 'trace' });
  const logs = location.stack?.logsDir ?? join(location.dataDir, 'logs');
  return location.stack ? { logs, stack: location.stack } : { logs };
}

async function load(idOrPrefix: string, dir: string | undefined, env: TraceCliEnv): Promise<Loaded> {
  const elasticsearchUrl = env.ELASTICSEARCH_URL?.trim();
  if (elasticsearchUrl && dir === undefined) {
    const { match, total } = await searchRequestInElasticsearch({
      url: elasticsearchUrl,
      correlationId: idOrPrefix,
    });
    const from = `Elasticsearch (${new URL(elasticsearchUrl).origin}, index ecommerce-logs-*)`;
    return match.kind === 'found' && total > match.entries.length
      ? { match, from, note: `showing the first ${match.entries.length} of ${total} lines` }
      : { match, from };
  }
  const { logs, stack } = logsDirectory(dir, env);
  const from = `log files ${join(logs, '*.log*')}${stack ? ` (the stack at ${stack.gatewayUrl})` : ''}`;
  return { match: await readRequestFromLogFiles(logs, idOrPrefix), from };
}

/**
 * The `npm run trace` command, as a function so tests run it. Returns the exit code: 0 shown,
 * 1 nothing found or the source could not be read, 2 bad usage or an ambiguous prefix.
 */
export async function runTraceCli(
  argv: readonly string[],
  env: TraceCliEnv,
  output: TraceCliOutput,
): Promise<number> {
  // The last guard: whatever a message quotes (a path, an Elasticsearch error) reaches the terminal escaped.
  const out = (text: string) => output.out(printableLines(text));
  const err = (text: string) => output.err(printableLines(text));
  let values: { json?: boolean; dir?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine(argv, {
      json: { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    }));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true || argv.length === 0) {
    out(USAGE);
    return 0;
  }
  const [idOrPrefix, ...extra] = positionals;
  if (idOrPrefix === undefined || extra.length > 0) {
    err(
      `${idOrPrefix === undefined ? 'a correlation ID is needed' : 'only one correlation ID, please'}\n\n${USAGE}`,
    );
    return 2;
  }
  if (!isValidCorrelationId(idOrPrefix)) {
    err(
      `${JSON.stringify(idOrPrefix)} is not a correlation ID: expected 1 to 128 characters among A-Z a-z 0-9 . _ : -`,
    );
    return 2;
  }

  let loaded: Loaded;
  try {
    loaded = await load(idOrPrefix, values.dir, env);
  } catch (error) {
    if (!(error instanceof TraceSourceError) && !(error instanceof StackNotFoundError)) throw error;
    err(`trace: ${error.message}`);
    return 1;
  }
  const { match } = loaded;
  if (match.kind === 'none') {
    err(
      `No log lines with correlationId ${idOrPrefix} (or one starting with it) in ${loaded.from}. ` +
        'Check the ID (the X-Correlation-ID response header) and that the services log there.',
    );
    return 1;
  }
  if (match.kind === 'ambiguous') {
    err(
      `${idOrPrefix} is the start of ${match.more ? 'more than ' : ''}${match.candidates.length} requests' ` +
        `correlation IDs; give more characters:\n${match.candidates.map((id) => `  ${id}`).join('\n')}` +
        (match.more ? '\n  …' : ''),
    );
    return 2;
  }
  const rows = buildTimeline(match.entries);
  if (values.json === true) out(timelineJson(match.correlationId, loaded.from, rows));
  else {
    formatTimeline(match.correlationId, rows).forEach((line) => out(line));
    if (loaded.note) out(`(${loaded.note})`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runTraceCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
