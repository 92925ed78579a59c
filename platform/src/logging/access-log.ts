import type winston from 'winston';
import { currentContext } from '../context/request-context.js';
import { redactString } from './redact.js';

/** triple-beam's MESSAGE: the serialised line every winston transport writes. */
const MESSAGE = Symbol.for('message');
const ENTRY: unique symbol = Symbol('accessLogEntry');

/** One request as the access log records it (docs/architecture.md#observability). */
export interface AccessLogEntry {
  method: string;
  /** Route template (never the raw path), 'unmatched', or a health/metrics path. */
  route: string;
  status: number;
  /** The request path as the client sent it (without the query string). */
  path: string;
  durationNs: number;
}

/**
 * The meta of an access log line: the ECS fields (`http`, `url`, `event`) any winston format can serialise,
 * and the entry itself under a private symbol, from which the platform logger writes the line directly.
 */
export interface AccessLogMeta {
  http: { request: { method: string }; response: { status_code: number } };
  url: { path: string };
  event: { duration: number };
  [ENTRY]: AccessLogEntry;
}

export function accessLogMeta(entry: AccessLogEntry): AccessLogMeta {
  return {
    http: { request: { method: entry.method }, response: { status_code: entry.status } },
    url: { path: entry.path },
    event: { duration: entry.durationNs },
    [ENTRY]: entry,
  };
}

/** The fields the generic ECS format derives from its options, read off its own output once. */
export interface EcsConstants {
  ecsVersion: unknown;
  serviceName: unknown;
  eventDataset: unknown;
}

/** The constants and their serialised `,"key":value` parts (empty when the generic format omits the key). */
export interface AccessLineConstants extends EcsConstants {
  ecsVersionPart: string;
  serviceNamePart: string;
  eventDatasetPart: string;
}

export function accessLineConstants(constants: EcsConstants): AccessLineConstants {
  const part = (key: string, value: unknown) =>
    value === undefined ? '' : `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return {
    ...constants,
    ecsVersionPart: part('ecs.version', constants.ecsVersion),
    serviceNamePart: part('service.name', constants.serviceName),
    eventDatasetPart: part('event.dataset', constants.eventDataset),
  };
}

// Everything `logger.log(level, message, accessLogMeta(entry))` puts on the info object (string keys).
const ACCESS_INFO_KEYS = new Set(['level', 'message', 'http', 'url', 'event']);

type Info = Record<string | symbol, unknown>;
type Logger = winston.Logger;

/**
 * The access log fast path. Writes the ECS line of an access log info straight from its entry, byte for
 * byte what the generic chain (context fields, redaction walk, ecs-winston-format, safe-stable-stringify
 * with sorted keys) produces for it, at a fraction of the cost; returns false to leave anything else to
 * that chain.
 *
 * Why skipping the redaction walk is safe: the walk replaces values under secret-looking keys and secrets
 * inside strings. Here every key is fixed by the platform and none looks secret, numbers carry nothing, and
 * every string (method, route, path, message, correlation ID, user ID, all of which a client can influence)
 * is checked with `redactString`, the function the walk applies to strings: when it would change any of
 * them, or the info has any other field (a child logger's metadata, say), the generic chain writes the line.
 */
export function writeAccessLine(info: Info, constants: AccessLineConstants): boolean {
  const entry = info[ENTRY] as AccessLogEntry | undefined;
  if (entry === undefined) return false;
  for (const key in info) if (!ACCESS_INFO_KEYS.has(key)) return false;
  const { level, message } = info;
  if (typeof level !== 'string' || typeof message !== 'string' || needsRedaction(message)) return false;
  if (needsRedaction(entry.method) || needsRedaction(entry.path)) return false;
  const context = currentContext();
  const correlationId = context?.correlationId;
  const userId = context?.userId;
  if (context !== undefined && (typeof correlationId !== 'string' || needsRedaction(correlationId))) {
    return false;
  }
  if (userId !== undefined && (typeof userId !== 'string' || needsRedaction(userId))) return false;

  const timestamp = isoTimestamp(Date.now());
  let line = `{"@timestamp":"${timestamp}"`;
  if (correlationId !== undefined) line += `,"correlationId":${jsonString(correlationId)}`;
  line += `${constants.ecsVersionPart},"event":{"duration":${jsonNumber(entry.durationNs)}}${constants.eventDatasetPart}`;
  line +=
    `,"http":{"request":{"method":${jsonString(entry.method)}},` +
    `"response":{"status_code":${jsonNumber(entry.status)}}}` +
    `,"log.level":${jsonString(level)},"message":${jsonString(message)}${constants.serviceNamePart}` +
    `,"url":{"path":${jsonString(entry.path)}}`;
  if (userId !== undefined) line += `,"userId":${jsonString(userId)}`;
  line += '}';

  // The fields the generic chain adds to the info object, for transports that read fields, not the line.
  if (correlationId !== undefined) info.correlationId = correlationId;
  if (userId !== undefined) info.userId = userId;
  info['@timestamp'] = timestamp;
  info['log.level'] = level;
  info['ecs.version'] = constants.ecsVersion;
  if (constants.serviceName !== undefined) info['service.name'] = constants.serviceName;
  if (constants.eventDataset !== undefined) info['event.dataset'] = constants.eventDataset;
  info[MESSAGE] = line;
  return true;
}

const MIN_FOUR_DIGIT_YEAR = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_FOUR_DIGIT_YEAR = Date.UTC(10000, 0, 1);
let cachedSecond = Number.NaN;
let cachedSecondPrefix = '';

/**
 * `new Date(now).toISOString()`, formatting the date only once per second: toISOString measured at ~1 µs,
 * the costliest step of a line. The prefix `YYYY-MM-DDTHH:mm:ss.` is reused and the milliseconds appended.
 */
export function isoTimestamp(now: number): string {
  // Years before 0 or after 9999 have a longer, signed form.
  if (now < MIN_FOUR_DIGIT_YEAR || now >= MAX_FOUR_DIGIT_YEAR) return new Date(now).toISOString();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedSecondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = now - second * 1000;
  return `${cachedSecondPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function needsRedaction(text: string): boolean {
  return redactString(text) !== text;
}

// Printable ASCII but `"` and `\`: JSON.stringify would only add the quotes.
const NOTHING_TO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify(text), skipping its general machinery for the usual strings that need no escaping. */
function jsonString(text: string): string {
  return NOTHING_TO_ESCAPE.test(text) ? `"${text}"` : JSON.stringify(text);
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');

/** Loggers made by createLogger: only their transports are known to need nothing but `log()` calls. */
const platformLoggers = new WeakSet<Logger>();

export function registerPlatformLogger(logger: Logger): void {
  platformLoggers.add(logger);
}

/**
 * Writes one access log line (`level`, `message`, `accessLogMeta(entry)`), as `logger.log` would.
 *
 * For a platform logger with nothing queued anywhere in its streams, the line is formatted by the logger's
 * own format and handed to each transport's `log()` here: exactly what winston's Transform, its pipes and
 * each transport's `_write` do synchronously in that state (silent logger, levels, transport formats
 * included), minus their stream machinery, which measured at ~6 % of the gateway's CPU per request (four
 * stream hops and two `process.nextTick` per line, each also paying the async-context hooks). Anything else
 * (another logger, a backlog in a stream, extra `data` listeners) goes through `logger.log`, so lines
 * never overtake each other.
 */
export function logAccess(logger: Logger, level: string, message: string, entry: AccessLogEntry): void {
  const meta = accessLogMeta(entry);
  if (!platformLoggers.has(logger) || !deliverDirectly(logger, level, message, meta)) {
    logger.log(level, message, meta);
  }
}

function deliverDirectly(logger: Logger, level: string, message: string, meta: AccessLogMeta): boolean {
  const transports = logger.transports;
  if (!logger.writable || logger.writableLength > 0 || logger.readableLength > 0) return false;
  if (logger.listenerCount('data') !== transports.length) return false;
  for (const transport of transports) {
    if (!transport.writable || transport.writableLength > 0 || typeof transport.log !== 'function')
      return false;
  }
  if (logger.levels[level] === undefined) return false;
  // Logger.log(level, message, meta) and Logger._transform:
  const info: Info = Object.assign({}, logger.defaultMeta as Info | undefined, meta, {
    [LEVEL]: level,
    [SPLAT]: [meta],
    level,
    message,
  });
  if (logger.silent) return true;
  const formatted = logger.format.transform(info as winston.Logform.TransformableInfo, logger.format.options);
  if (formatted === false) return true;
  if (formatted === true) return false;
  // TransportStream._write, for each pipe:
  for (const transport of transports) {
    if (transport.silent || (formatted.exception === true && transport.handleExceptions !== true)) continue;
    const threshold = transport.level || logger.level;
    if (threshold && !((logger.levels[threshold] ?? Number.NaN) >= (logger.levels[level] ?? Number.NaN))) {
      continue;
    }
    let delivered: unknown = formatted;
    if (transport.format) {
      delivered = transport.format.transform(Object.assign({}, formatted), transport.format.options);
      if (!delivered) continue;
    }
    transport.log?.(delivered, ignore);
  }
  return true;
}

function ignore(): void {}
