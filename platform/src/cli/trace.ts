import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isValidCorrelationId } from '../context/request-context.js';
import { searchRequestInElasticsearch } from '../trace/elasticsearch-source.js';
import { readRequestFromLogFiles } from '../trace/file-source.js';
import { TraceSourceError } from '../trace/source-error.js';
import { buildTimeline, formatTimeline, timelineJson, type TimelineEntry } from '../trace/timeline.js';

const USAGE = `Usage: npm run trace -- <correlation-id> [--json] [--dir <logs dir>]

Shows one request's timeline across all services: time, offset from the first line, service, level,
duration (event.duration) and message.

Sources: Elasticsearch (index ecommerce-logs-*) when ELASTICSEARCH_URL is set, otherwise the local JSON
log files $DATA_DIR/logs/*.log and their rotated files *.log.1, *.log.2, ... (DATA_DIR defaults to
./data). --dir reads the files of another directory.
  --json   one JSON object instead of the table`;

/** The environment the command reads (passed in: only the entry below touches process.env). */
export interface TraceCliEnv {
  ELASTICSEARCH_URL?: string | undefined;
  DATA_DIR?: string | undefined;
}

export interface TraceCliOutput {
  out(line: string): void;
  err(line: string): void;
}

interface ParsedArgs {
  ids: string[];
  json: boolean;
  dir?: string;
  help: boolean;
}

function parseArgs(argv: readonly string[]): ParsedArgs | string {
  const parsed: ParsedArgs = { ids: [], json: false, help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--json') parsed.json = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--dir') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) return '--dir needs a directory';
      parsed.dir = value;
      index += 1;
    } else if (arg.startsWith('--dir=')) parsed.dir = arg.slice('--dir='.length);
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else parsed.ids.push(arg);
  }
  return parsed;
}

interface Loaded {
  entries: TimelineEntry[];
  from: string;
  note?: string;
}

async function load(correlationId: string, args: ParsedArgs, env: TraceCliEnv): Promise<Loaded> {
  const elasticsearchUrl = env.ELASTICSEARCH_URL?.trim();
  if (elasticsearchUrl && args.dir === undefined) {
    const { entries, total } = await searchRequestInElasticsearch({ url: elasticsearchUrl, correlationId });
    const from = `Elasticsearch (${new URL(elasticsearchUrl).origin}, index ecommerce-logs-*)`;
    return total > entries.length
      ? { entries, from, note: `showing the first ${entries.length} of ${total} lines` }
      : { entries, from };
  }
  const dir = args.dir ?? join(env.DATA_DIR || 'data', 'logs');
  return {
    entries: await readRequestFromLogFiles(dir, correlationId),
    from: `log files ${join(dir, '*.log*')}`,
  };
}

/**
 * The `npm run trace` command, as a function so tests run it. Returns the exit code: 0 shown,
 * 1 nothing found or the source could not be read, 2 bad usage.
 */
export async function runTraceCli(
  argv: readonly string[],
  env: TraceCliEnv,
  out: TraceCliOutput,
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
  const [correlationId, ...extra] = args.ids;
  if (correlationId === undefined || extra.length > 0) {
    out.err(
      `${correlationId === undefined ? 'a correlation ID is needed' : 'only one correlation ID, please'}\n\n${USAGE}`,
    );
    return 2;
  }
  if (!isValidCorrelationId(correlationId)) {
    out.err(
      `${JSON.stringify(correlationId)} is not a correlation ID: expected 1 to 128 characters among A-Z a-z 0-9 . _ : -`,
    );
    return 2;
  }

  let loaded: Loaded;
  try {
    loaded = await load(correlationId, args, env);
  } catch (error) {
    if (!(error instanceof TraceSourceError)) throw error;
    out.err(`trace: ${error.message}`);
    return 1;
  }
  if (loaded.entries.length === 0) {
    out.err(
      `No log lines with correlationId ${correlationId} in ${loaded.from}. ` +
        'Check the ID (the X-Correlation-ID response header) and that the services log there.',
    );
    return 1;
  }
  const rows = buildTimeline(loaded.entries);
  if (args.json) out.out(timelineJson(correlationId, loaded.from, rows));
  else {
    formatTimeline(correlationId, rows).forEach((line) => out.out(line));
    if (loaded.note) out.out(`(${loaded.note})`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runTraceCli(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
