import type { Platform } from '../../../src/index.js';

export interface LogRecord {
  message?: string;
  correlationId?: string;
  [field: string]: unknown;
}

/** The JSON log lines a service wrote (its stdout/stderr lines that are not JSON are left out). */
export function logRecords(platform: Platform, service: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of platform.logs(service).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // A line still being written when the file was read.
    }
  }
  return records;
}

/** Messages of the service's log lines carrying `correlationId`. */
export function messagesFor(platform: Platform, service: string, correlationId: string): string[] {
  return logRecords(platform, service)
    .filter((record) => record.correlationId === correlationId)
    .map((record) => String(record.message));
}
