import { printable } from './terminal-text.js';

const PALETTE = [36, 32, 33, 35, 34, 31, 37];

export interface ConsoleLineOptions {
  /** The process the line came from, shown padded as the line's tag. */
  service: string;
  /** Picks the tag's colour, so each service keeps its own. */
  colorIndex: number;
  color: boolean;
}

function field(entry: Record<string, unknown>, flat: string, nested: [string, string]): unknown {
  if (entry[flat] !== undefined) return entry[flat];
  const outer = entry[nested[0]];
  return typeof outer === 'object' && outer !== null
    ? (outer as Record<string, unknown>)[nested[1]]
    : undefined;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One human-readable terminal line for a line a service wrote to stdout or stderr (the JSON original stays
 * in its log file): `service | level message [correlation-id]`. The correlation ID is printed whole, as
 * `npm run trace` takes it. Whatever the line holds, control characters are shown escaped.
 */
export function formatConsoleLine(line: string, options: ConsoleLineOptions): string {
  const name = options.service.padEnd(20);
  const tag = options.color
    ? `\x1b[${PALETTE[options.colorIndex % PALETTE.length] ?? 37}m${name}\x1b[0m`
    : name;
  if (!line.startsWith('{')) return `${tag} | ${printable(line)}`;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${tag} | ${printable(line)}`;
  }
  if (typeof entry !== 'object' || entry === null) return `${tag} | ${printable(line)}`;
  const record = entry as Record<string, unknown>;
  const level = text(field(record, 'log.level', ['log', 'level'])) || 'info';
  const correlationId = text(record.correlationId);
  const message = text(record.message).replace(/\s+/g, ' ').trim();
  const suffix = correlationId ? ` [${correlationId}]` : '';
  return `${tag} | ${printable(`${level.padEnd(5)} ${message}${suffix}`)}`;
}
