import { printable, terminalSafeJson } from '../cli/terminal-text.js';

/** One log line of a request, normalised from an ECS JSON line (flat "a.b" keys or nested objects). */
export interface TimelineEntry {
  /** ISO 8601, from `@timestamp`. */
  timestamp: string;
  epochMs: number;
  service: string;
  level: string;
  message: string;
  correlationId?: string;
  /** ECS `event.duration`, in nanoseconds, when the line carries one (access log, upstream calls). */
  durationNs?: number;
  /** The line as logged. */
  record: Record<string, unknown>;
}

/** A timeline entry placed relative to the request's first line. */
export interface TimelineRow extends TimelineEntry {
  offsetMs: number;
  durationMs?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an ECS field whatever the nesting: the platform logger writes `log.level` and `service.name`
 * as flat keys but `event: { duration }` nested, and Logstash or Elasticsearch may nest either.
 */
export function fieldAt(record: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(record, path)) return record[path];
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    const inner = record[path.slice(0, dot)];
    if (isRecord(inner)) {
      const found = fieldAt(inner, path.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Normalises one log document; undefined when it has no usable `@timestamp`. */
export function toTimelineEntry(record: unknown): TimelineEntry | undefined {
  if (!isRecord(record)) return undefined;
  const timestamp = text(fieldAt(record, '@timestamp') ?? record.timestamp);
  const epochMs = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  if (timestamp === undefined || Number.isNaN(epochMs)) return undefined;
  const message = fieldAt(record, 'message');
  const entry: TimelineEntry = {
    timestamp: new Date(epochMs).toISOString(),
    epochMs,
    service: text(fieldAt(record, 'service.name')) ?? text(record.service) ?? 'unknown',
    level: text(fieldAt(record, 'log.level')) ?? text(record.level) ?? '-',
    message: text(message) ?? (message === undefined ? '' : JSON.stringify(message)),
    record,
  };
  const correlationId = text(record.correlationId);
  if (correlationId !== undefined) entry.correlationId = correlationId;
  const duration = Number(fieldAt(record, 'event.duration'));
  if (fieldAt(record, 'event.duration') !== undefined && Number.isFinite(duration) && duration >= 0) {
    entry.durationNs = duration;
  }
  return entry;
}

/** Parses one line of a JSON log file; undefined for blank, non-JSON or timestamp-less lines. */
export function parseLogLine(line: string): TimelineEntry | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return toTimelineEntry(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

/** The lines of one request, oldest first; lines logged in the same millisecond keep their order. */
export function selectRequest(entries: readonly TimelineEntry[], correlationId: string): TimelineEntry[] {
  return entries
    .filter((entry) => entry.correlationId === correlationId)
    .sort((a, b) => a.epochMs - b.epochMs);
}

/** Offsets from the first line, and durations in milliseconds. Expects entries sorted by time. */
export function buildTimeline(entries: readonly TimelineEntry[]): TimelineRow[] {
  const start = entries[0]?.epochMs ?? 0;
  return entries.map((entry) => {
    const row: TimelineRow = { ...entry, offsetMs: entry.epochMs - start };
    if (entry.durationNs !== undefined) row.durationMs = Math.round(entry.durationNs / 1_000) / 1_000;
    return row;
  });
}

export function formatDurationMs(ms: number): string {
  return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
}

/**
 * A summary line and an aligned table: time, offset, service, level, duration, message. What came from the
 * log lines is shown with its control characters escaped: a crafted line cannot drive the terminal.
 */
export function formatTimeline(correlationId: string, rows: readonly TimelineRow[]): string[] {
  const services = [...new Set(rows.map((row) => printable(row.service)))];
  const span = rows.at(-1)?.offsetMs ?? 0;
  const summary =
    `Request ${printable(correlationId)}: ${rows.length} log line${rows.length === 1 ? '' : 's'} from ` +
    `${services.length} service${services.length === 1 ? '' : 's'} (${services.join(', ')}) over ${span} ms`;
  const header = ['TIME', 'OFFSET', 'SERVICE', 'LEVEL', 'DURATION', 'MESSAGE'];
  const cells = rows.map((row) => [
    row.timestamp,
    `+${row.offsetMs} ms`,
    printable(row.service),
    printable(row.level),
    row.durationMs === undefined ? '' : formatDurationMs(row.durationMs),
    printable(row.message.replace(/\s+/g, ' ').trim()),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const line = (values: string[]): string =>
    values
      .map((value, column) =>
        column === 1 || column === 4
          ? value.padStart(widths[column] ?? 0)
          : value.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [summary, '', line(header), ...cells.map(line)];
}

/** The machine-readable form (`--json`): one JSON object, with every control character `\u`-escaped. */
export function timelineJson(correlationId: string, source: string, rows: readonly TimelineRow[]): string {
  return terminalSafeJson({
    correlationId,
    source,
    services: [...new Set(rows.map((row) => row.service))],
    entries: rows.map((row) => ({
      timestamp: row.timestamp,
      offsetMs: row.offsetMs,
      service: row.service,
      level: row.level,
      message: row.message,
      ...(row.durationMs === undefined ? {} : { durationMs: row.durationMs }),
      record: row.record,
    })),
  });
}
