import { randomUUID } from 'node:crypto';
import type winston from 'winston';
import type { LogData } from 'winston-elasticsearch';
import { DeferredTransport } from './deferred-transport.js';

/** How log lines are shipped to Elasticsearch (docs/observability.md#logs: what is retried, what is lost). */
export interface ElasticsearchShippingOptions {
  /** Base URL of Elasticsearch, e.g. http://elasticsearch:9200 (credentials may be in the URL). */
  url: string;
  /** Daily indices are `<indexPrefix>-yyyy.mm.dd` (UTC). Default `ecommerce-logs`. */
  indexPrefix?: string;
  /** One bulk request at most every this many ms. Default 2000. */
  flushIntervalMs?: number;
  /** Lines kept in memory while Elasticsearch is slow or down; newer lines are dropped beyond it. Default 5000. */
  bufferLimit?: number;
  /**
   * Retries of a line whose bulk request failed (one attempt per flush interval); after retryLimit + 1
   * failed attempts the line is dropped. Default 30.
   */
  retryLimit?: number;
  /** Give up on one bulk request after this many ms. Default 10000. */
  requestTimeoutMs?: number;
  /** Where shipping failures are reported, at most once a minute. Default: one JSON line on stderr. */
  reportFailure?: (line: string) => void;
}

export const DEFAULT_LOG_INDEX_PREFIX = 'ecommerce-logs';
const FAILURE_REPORT_INTERVAL_MS = 60_000;

const MESSAGE = Symbol.for('message');
/** The stable _id of a shipped line (read by the transport's bulk request). */
export const DOCUMENT_ID = Symbol('elasticsearchDocumentId');

/** `<prefix>-yyyy.mm.dd` in UTC, the same daily name Logstash's `%{+YYYY.MM.dd}` gives. */
export function elasticsearchIndexName(prefix: string, at: Date): string {
  const day = at.toISOString().slice(0, 10).replaceAll('-', '.');
  return `${prefix}-${day}`;
}

/**
 * The document shipped for one log line: exactly the ECS object written to stdout/file (the line the
 * logger's format already serialised, secrets redacted), never winston-elasticsearch's own layout.
 */
export function ecsDocument(logData: LogData): Record<string, unknown> {
  const meta = logData.meta as Record<string | symbol, unknown>;
  const line = meta[MESSAGE];
  let document: Record<string, unknown> | undefined;
  if (typeof line === 'string') {
    try {
      document = JSON.parse(line) as Record<string, unknown>;
    } catch {
      document = undefined;
    }
  }
  document ??= {
    '@timestamp': logData.timestamp ?? new Date().toISOString(),
    'log.level': logData.level,
    message: String(logData.message),
    ...Object.fromEntries(Object.entries(meta).filter(([key]) => key !== 'level')),
  };
  // A stable _id per line makes a retried bulk overwrite instead of duplicating (see bulkWithIds).
  Object.defineProperty(document, DOCUMENT_ID, { value: randomUUID(), enumerable: false });
  return document;
}

/**
 * Reports shipping problems on stderr at most once per interval (never through the logger itself,
 * which would feed the failure back into the transport that is failing).
 */
export function createFailureReporter(options: {
  service: string;
  write?: (line: string) => void;
  intervalMs?: number;
  now?: () => number;
}): (problem: string) => void {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const intervalMs = options.intervalMs ?? FAILURE_REPORT_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let lastReportAt: number | undefined;
  let suppressed = 0;
  return (problem) => {
    const at = now();
    if (lastReportAt !== undefined && at - lastReportAt < intervalMs) {
      suppressed += 1;
      return;
    }
    write(
      JSON.stringify({
        '@timestamp': new Date(at).toISOString(),
        'log.level': 'warn',
        message: `elasticsearch log shipping: ${problem}`,
        'service.name': options.service,
        'event.dataset': 'elasticsearch-shipping',
        suppressedReports: suppressed,
      }),
    );
    lastReportAt = at;
    suppressed = 0;
  };
}

/**
 * A winston transport shipping every line (the same ECS JSON object as the file/stdout line) to the
 * daily index `<indexPrefix>-yyyy.mm.dd` with buffered bulk requests. Logging never waits for
 * Elasticsearch, and a missing or failing Elasticsearch never blocks start-up or breaks logging:
 * failures are reported on stderr at most once a minute.
 *
 * winston-elasticsearch (and the Elasticsearch client under it) is loaded here, on first use: a process
 * without ELASTICSEARCH_URL never loads it. Lines logged while it loads are handed over once it has.
 */
export function createElasticsearchTransport(
  service: string,
  options: ElasticsearchShippingOptions,
): winston.transport {
  return new DeferredTransport(
    import('./elasticsearch-transport.js').then(
      ({ EcsElasticsearchTransport }) => new EcsElasticsearchTransport(service, options),
    ),
    (error) =>
      createFailureReporter({
        service,
        ...(options.reportFailure ? { write: options.reportFailure } : {}),
      })(`cannot load the Elasticsearch transport, lines are not shipped: ${(error as Error).message}`),
  );
}
