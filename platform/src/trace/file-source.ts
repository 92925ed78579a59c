import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TraceSourceError } from './source-error.js';
import { RequestMatcher, type RequestMatch } from './request-match.js';
import { parseLogLine } from './timeline.js';

/** `x.log` and its rotated files `x.log.1`, `x.log.2`, ... (see logging/json-lines-file.ts). */
const LOG_FILE = /\.log(\.\d+)?$/;

/**
 * The lines of one request from the local JSON log files `<dir>/*.log` and their rotated files
 * `<dir>/*.log.<n>` (one JSON object per line, as the launcher writes them), oldest first, by correlation
 * ID or a unique prefix of one. Lines that are not JSON are skipped.
 */
export async function readRequestFromLogFiles(dir: string, idOrPrefix: string): Promise<RequestMatch> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && LOG_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new TraceSourceError(`cannot read the log directory ${dir}: ${(error as Error).message}`);
  }
  const matcher = new RequestMatcher(idOrPrefix);
  for (const name of names) {
    const lines = createInterface({ input: createReadStream(join(dir, name), 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      // Cheap test first: log files are large and the ID's characters never need JSON escaping.
      if (!matcher.mayMatch(line)) continue;
      const entry = parseLogLine(line);
      if (entry) matcher.add(entry);
    }
  }
  return matcher.result();
}
