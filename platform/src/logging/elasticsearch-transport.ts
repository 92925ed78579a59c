import { ElasticsearchTransport, type ElasticsearchTransportOptions } from 'winston-elasticsearch';
import {
  createFailureReporter,
  DEFAULT_LOG_INDEX_PREFIX,
  DOCUMENT_ID,
  ecsDocument,
  elasticsearchIndexName,
  type ElasticsearchShippingOptions,
} from './elasticsearch.js';

// The parts of winston-elasticsearch 0.19's BulkWriter (bulk_writer.js) this module adjusts. Left as
// they are, a failing Elasticsearch makes every new line start a bulk request plus a health-check
// loop of its own, and the 'error' emitted when lines exhaust their retries reaches winston's logger
// as an unhandled 'error' event inside a promise callback, which crashes the process.
type BulkAction = Partial<Record<'index' | 'create', { _index: string; pipeline?: string | null }>>;
interface BulkClient {
  bulk(params: { body?: object[]; operations?: object[]; [param: string]: unknown }): Promise<unknown>;
  cluster: { health(params: object): Promise<unknown> };
  close(): Promise<void>;
}
interface BulkWriterInternals {
  bulk: unknown[];
  client: BulkClient;
  tick(): void;
  flush(): Promise<unknown>;
  checkEsConnection(retryLimit: number): Promise<unknown>;
}

/**
 * The bulk body winston-elasticsearch sends carries its retry counter ("attempts") next to the action
 * and `"pipeline": null`; Elasticsearch 8 warns about the extra key and 9 rejects it. The wire gets a
 * clean action with the line's stable _id; the library keeps its own copy for retry bookkeeping.
 */
function bulkWithIds(client: BulkClient): BulkClient {
  return {
    bulk: ({ body = [], ...params }) => {
      const operations: object[] = [];
      for (let index = 0; index < body.length; index += 2) {
        const action = body[index] as BulkAction;
        const document = body[index + 1] as Record<string | symbol, unknown>;
        const type = action.create ? 'create' : 'index';
        const target = action[type];
        const id = document[DOCUMENT_ID];
        operations.push(
          {
            [type]: {
              _index: target?._index,
              ...(typeof id === 'string' ? { _id: id } : {}),
              ...(target?.pipeline ? { pipeline: target.pipeline } : {}),
            },
          },
          document,
        );
      }
      return client.bulk({ ...params, operations });
    },
    // Only the library's start-up check calls this again after its first probe: answer without a
    // request, the next bulk request is the real probe.
    cluster: { health: () => Promise.resolve({}) },
    close: () => client.close(),
  };
}

function describeProblem(problem: unknown): string {
  if (problem instanceof Error) {
    const status = (problem as Error & { meta?: { statusCode?: number } }).meta?.statusCode;
    return status ? `${problem.message} (HTTP ${status})` : problem.message;
  }
  if (typeof problem === 'object' && problem !== null) return JSON.stringify(problem).slice(0, 300);
  return String(problem);
}

/** Loaded by createElasticsearchTransport (elasticsearch.ts) only when lines are shipped. */
export class EcsElasticsearchTransport extends ElasticsearchTransport {
  private readonly report: (problem: string) => void;
  private readonly prefix: string;
  private readonly writer: BulkWriterInternals;
  private readonly bufferLimit: number;
  private readonly retryLimit: number;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private lastFlush: Promise<void> | undefined;

  constructor(service: string, options: ElasticsearchShippingOptions) {
    const bufferLimit = options.bufferLimit ?? 5000;
    const retryLimit = options.retryLimit ?? 30;
    const flushIntervalMs = options.flushIntervalMs ?? 2000;
    const report = createFailureReporter({
      service,
      ...(options.reportFailure ? { write: options.reportFailure } : {}),
    });
    const libraryOptions: ElasticsearchTransportOptions & { internalLogger(...details: unknown[]): void } = {
      clientOpts: {
        node: options.url,
        maxRetries: 0,
        requestTimeout: options.requestTimeoutMs ?? 10_000,
      },
      indexPrefix: options.indexPrefix ?? DEFAULT_LOG_INDEX_PREFIX,
      transformer: ecsDocument,
      // The index template is installed by ops (elasticsearch/ecommerce-logs-template.json).
      ensureIndexTemplate: false,
      healthCheckTimeout: '5s',
      flushInterval: flushIntervalMs,
      buffering: true,
      bufferLimit,
      retryLimit,
      // Called for per-line indexing errors (with the document as 3rd argument, which stays out of stderr).
      internalLogger: (...details: unknown[]) => report(details.slice(0, 2).map(describeProblem).join(' ')),
    };
    super(libraryOptions);
    this.report = report;
    this.prefix = options.indexPrefix ?? DEFAULT_LOG_INDEX_PREFIX;
    this.bufferLimit = bufferLimit;
    this.retryLimit = retryLimit;

    this.writer = (this as unknown as { bulkWriter: BulkWriterInternals }).bulkWriter;
    this.writer.client = bulkWithIds(this.writer.client);
    // Our timer below replaces the library's flush loop and its health polling: one bulk request per
    // interval at most, retries included, and nothing on the logging call's path.
    this.writer.tick = () => undefined;
    this.writer.checkEsConnection = () => Promise.resolve(true);
    this.timer = setInterval(() => this.flushBuffered(), flushIntervalMs);
    this.timer.unref();
    this.once('finish', () => void this.shutDown());
  }

  override getIndexName(): string {
    return elasticsearchIndexName(this.prefix, new Date());
  }

  /** Called by winston when the transport is removed or the logger closes. */
  override close(): void {
    void this.shutDown();
  }

  // Transport failures stay here: reported on stderr, never re-emitted on the logger (see above).
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      this.report?.(
        `log lines reached the retry limit (${this.retryLimit}) and are dropped if the next attempt fails: ${describeProblem(args[0])}`,
      );
      return true;
    }
    if (event === 'warning') {
      this.report?.(
        `bulk request failed, ${this.writer?.bulk.length ?? 0} lines kept for retry: ${describeProblem(args[0])}`,
      );
      return true;
    }
    return super.emit(event, ...args);
  }

  /** One bulk request with what is buffered, unless one is already in flight. */
  private flushBuffered(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.writer.bulk.length === 0) return Promise.resolve();
    if (this.writer.bulk.length >= this.bufferLimit) {
      this.report(
        `buffer full (${this.bufferLimit} lines): newer lines are dropped until Elasticsearch accepts`,
      );
    }
    this.flushing = this.writer
      .flush()
      .then(
        () => undefined,
        (error: unknown) => this.report(describeProblem(error)),
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** A last flush (no retries after it), then the client's keep-alive sockets are closed. */
  private shutDown(): Promise<void> {
    if (this.lastFlush) return this.lastFlush;
    clearInterval(this.timer);
    this.lastFlush = this.flushBuffered()
      .then(() => this.writer.client.close())
      .catch(() => undefined);
    return this.lastFlush;
  }

  /** Resolves once the last bulk request after the logger ended has been answered (see `endLogger`). */
  drained(): Promise<void> {
    return this.lastFlush ?? Promise.resolve();
  }
}
