import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';
import { ecsFormat } from './ecs-format.js';
import { currentContext } from '../context/request-context.js';
import {
  accessLineConstants,
  registerPlatformLogger,
  writeAccessLine,
  type EcsConstants,
} from './access-log.js';
import { ecsError } from './ecs-error.js';
import { JsonLinesFile } from './json-lines-file.js';
import { createElasticsearchTransport, type ElasticsearchShippingOptions } from './elasticsearch.js';
import { isSecretKey, redact, redactString } from './redact.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Also append JSON lines to this file (the local launcher uses data/logs/<service>.log). */
  file?: string | undefined;
  /** Rotate the file at this size (default 20 MiB). */
  fileMaxBytes?: number | undefined;
  /** Rotated files kept besides the live one (default 5). */
  fileMaxFiles?: number | undefined;
  /** Write to stdout (default true). */
  console?: boolean;
  /** Extra transports. */
  transports?: winston.transport[];
  /**
   * Also ship every line to Elasticsearch (buffered bulk requests, see logging/elasticsearch.ts).
   * Logging never waits for Elasticsearch and keeps working when it is down.
   */
  elasticsearch?: ElasticsearchShippingOptions | undefined;
  /** Shorthand for `elasticsearch: { url }`; unset or empty means no shipping (pass ELASTICSEARCH_URL as is). */
  elasticsearchUrl?: string | undefined;
}

/**
 * Adds correlationId, userId and (with tracing on) `trace.id` / `span.id` of the current async context to every
 * line, so no call site passes them.
 */
const contextFields = winston.format((info) => {
  const context = currentContext();
  if (context) {
    info.correlationId ??= context.correlationId;
    if (context.userId !== undefined) info.userId ??= context.userId;
    // ECS trace.id / span.id, so a log line leads to its trace in the trace viewer and back.
    const span = context.span?.spanContext();
    if (span !== undefined) {
      info.trace ??= { id: span.traceId };
      info.span ??= { id: span.spanId };
    }
  }
  return info;
});

const SPLAT = Symbol.for('splat');
const LEVEL = Symbol.for('level');

/**
 * Every way of logging an error ends as ECS `error.{type,message,stack_trace,code}`: `{ err }`,
 * `{ error }` (an Error, a string or anything else), `logger.error(err)` and `logger.warn('text', err)`.
 * The index template maps `error` as an object, so any other shape would be rejected by Elasticsearch.
 */
const ecsErrorFields = winston.format((info) => {
  if (info instanceof Error) {
    // `logger.error(err)`: winston made the error itself the line; its message is not enumerable.
    const line = info as unknown as Record<string | symbol, unknown>;
    return {
      [LEVEL]: line[LEVEL],
      level: info.level,
      message: info.message,
      error: ecsError(info),
    };
  }
  const record = info as unknown as Record<string | symbol, unknown>;
  const splat = record[SPLAT];
  const splatError = Array.isArray(splat) && splat[0] instanceof Error ? splat[0] : undefined;
  if (splatError) {
    // winston copied the error's own properties (and its stack) onto the line: keep them in error.* only.
    delete record.stack;
    for (const key of Object.keys(splatError)) delete record[key];
    record[SPLAT] = [];
    record.error = ecsError(splatError);
  } else if (record.message instanceof Error) {
    const error = record.message;
    record.message = error.message;
    record.error = ecsError(error);
  } else if ('err' in record) {
    record.error = ecsError(record.err);
    delete record.err;
  } else if ('error' in record) {
    record.error = ecsError(record.error);
  }
  return info;
});

/** Strips secrets from the message and every field before anything is serialised. */
const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] =
      key === 'message' && typeof value === 'string'
        ? redactString(value)
        : isSecretKey(key)
          ? '[REDACTED]'
          : redact(value);
  }
  return info;
});

const MESSAGE = Symbol.for('message');

/** The values the ECS format derives from its options (version, service), read off one line it writes. */
function ecsConstantsOf(format: winston.Logform.Format): EcsConstants {
  const probe = format.transform({ level: 'info', message: '' }, format.options);
  const line = typeof probe === 'object' ? (probe as Record<symbol, unknown>)[MESSAGE] : undefined;
  const fields = typeof line === 'string' ? (JSON.parse(line) as Record<string, unknown>) : {};
  return {
    ecsVersion: fields['ecs.version'],
    serviceName: fields['service.name'],
    eventDataset: fields['event.dataset'],
  };
}

/**
 * The platform logger: one JSON line per event in Elastic Common Schema fields (`@timestamp`,
 * `log.level`, `message`, `service.name`, ...) plus `correlationId` and `userId` from the async context.
 */
export function createLogger(options: LoggerOptions): Logger {
  const generic = winston.format.combine(
    ecsErrorFields(),
    contextFields(),
    redactSecrets(),
    ecsFormat({ serviceName: options.service, convertErr: false, apmIntegration: false }),
  );
  // One line per request is most of what a service logs: those take a fast path (logging/access-log.ts).
  const constants = accessLineConstants(ecsConstantsOf(generic));
  const format = winston.format((info) =>
    writeAccessLine(info, constants) ? info : generic.transform(info, generic.options),
  )();
  const transports: winston.transport[] = [];
  if (options.console ?? true) transports.push(new winston.transports.Console());
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    transports.push(
      new JsonLinesFile({
        filename: options.file,
        ...(options.fileMaxBytes !== undefined ? { maxBytes: options.fileMaxBytes } : {}),
        ...(options.fileMaxFiles !== undefined ? { maxFiles: options.fileMaxFiles } : {}),
      }),
    );
  }
  transports.push(...(options.transports ?? []));
  const shipping =
    options.elasticsearch ?? (options.elasticsearchUrl ? { url: options.elasticsearchUrl } : undefined);
  if (shipping) transports.push(createElasticsearchTransport(options.service, shipping));
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    format,
    transports,
    exitOnError: false,
  });
  keepLateLines(logger, format);
  registerPlatformLogger(logger);
  return logger;
}

/**
 * A line logged after `logger.end()` (a close handler firing during shutdown, a timer's last report) would
 * be a stream "write after end" error, which ends the process with exit code 1. Such a line goes to stderr
 * instead, in the same format.
 */
function keepLateLines(logger: Logger, format: winston.Logform.Format): void {
  // winston's streams come from readable-stream, which has no `writableEnded`: track end() here.
  let ended = false;
  const end = logger.end.bind(logger) as (...args: unknown[]) => Logger;
  logger.end = ((...args: unknown[]) => {
    ended = true;
    return end(...args);
  }) as Logger['end'];
  const write = logger.write.bind(logger) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const late = (chunk: unknown): boolean => {
    if (typeof chunk !== 'object' || chunk === null) return true;
    const info = chunk as winston.Logform.TransformableInfo;
    if (typeof info.level === 'string' && !logger.isLevelEnabled(info.level)) return true;
    const formatted = format.transform({ ...info }, format.options);
    const line = typeof formatted === 'object' ? (formatted as Record<symbol, unknown>)[MESSAGE] : undefined;
    if (typeof line === 'string') process.stderr.write(`${line}\n`);
    return true;
  };
  logger.write = ((chunk: unknown, ...rest: unknown[]) =>
    ended ? late(chunk) : write(chunk, ...rest)) as Logger['write'];
}

/** A transport that finishes writing some time after its stream has finished (e.g. a last bulk request). */
interface DrainingTransport {
  drained(): Promise<void>;
}

function isDraining(transport: unknown): transport is DrainingTransport {
  return typeof (transport as Partial<DrainingTransport>).drained === 'function';
}

/**
 * Ends the logger and waits until every transport has written its last line (files flushed, the last
 * Elasticsearch bulk request answered), but never past `by` (epoch ms). Lines logged afterwards go to stderr.
 */
export async function endLogger(logger: Logger, by: number): Promise<void> {
  const transports = [...logger.transports];
  const finished = transports.map(
    (transport) =>
      new Promise<void>((resolve) => {
        const state = (transport as { _writableState?: { finished?: boolean } })._writableState;
        if (transport.writableFinished || state?.finished === true) resolve();
        else transport.once('finish', () => resolve());
      }),
  );
  logger.end();
  const draining = transports.filter((transport): transport is winston.transport & DrainingTransport =>
    isDraining(transport),
  );
  const all = Promise.all(finished).then(() => Promise.all(draining.map((transport) => transport.drained())));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    all.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, by - Date.now()));
    }),
  ]);
  clearTimeout(timer);
}
