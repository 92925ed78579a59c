import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Thrown for invalid configuration; `main` prints its one-line message and exits 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const booleanFromEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) =>
      value === undefined ? fallback : value === 'true' || value === '1' || value === 'yes',
    );

/** Env helpers for service schemas: every value arrives as a string. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  boolean: (fallback: boolean) => booleanFromEnv(fallback),
  url: () => z.url().optional(),
  urlWithDefault: (fallback: string) => z.url().default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  optionalString: () =>
    z
      .string()
      .optional()
      .transform((value) => (value === '' ? undefined : value)),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      ),
};

/** The settings every service shares (docs/architecture.md#ports-and-run-modes and #observability). Service schemas extend it. */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: env.string('127.0.0.1'),
  DATA_DIR: env.string('./data'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_FILE: env.optionalString(),
  LOG_FILE_MAX_BYTES: env.int(20 * 1024 * 1024, 64 * 1024),
  LOG_FILE_MAX_FILES: env.int(5, 0),
  LOG_TO_CONSOLE: env.boolean(true),
  JWT_SECRET: env.optionalString(),
  JWT_ISSUER: env.string('shop-platform'),
  JWT_AUDIENCE: env.string('shop-api'),
  ACCESS_TOKEN_TTL_SECONDS: env.int(900, 30),
  /** Oldest `iat` accepted and longest `exp - iat`, whatever a token's `exp` says. */
  ACCESS_TOKEN_MAX_LIFETIME_SECONDS: env.int(900, 30),
  /** Clock skew allowed on `exp`, `nbf` and a future `iat`. */
  JWT_CLOCK_SKEW_SECONDS: env.int(5, 0),
  /** customer-service: its internal revocation feed is `<CUSTOMER_SERVICE_URL>/internal/revocations`. */
  CUSTOMER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5001'),
  /** Overrides that feed URL; empty turns polling off (customer-service reads its own database instead). */
  REVOCATION_FEED_URL: z.string().optional(),
  /** How often the feed is polled (at most once a second). */
  REVOCATION_POLL_MS: env.int(1_000, 1_000),
  /** GET /metrics on this port (same HOST) instead of the HTTP port, for Prometheus; unset: the HTTP port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Longest a client may take to send a request's headers (slowloris). */
  HTTP_HEADERS_TIMEOUT_MS: env.int(10_000, 100),
  /** Longest a client may take to send a whole request, body included. */
  HTTP_REQUEST_TIMEOUT_MS: env.int(30_000, 100),
  /** How long an idle keep-alive connection stays open. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: env.int(5_000, 100),
  /** Most connections the server holds at once; more are refused (closed) at once. */
  HTTP_MAX_CONNECTIONS: env.int(1_024, 1),
  /** Most connections one client address may hold at once; 0 = no per-address cap (the gateway defaults to 256). */
  HTTP_MAX_CONNECTIONS_PER_IP: env.int(0, 0),
  AMQP_URL: env.optionalString(),
  EVENT_BUS_FILE: env.optionalString(),
  ELASTICSEARCH_URL: env.optionalString(),
  CHAOS_ENABLED: env.boolean(false),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, 1_000),
  /** Longest one SQLite statement waits for another process's lock: it blocks the event loop meanwhile. */
  DB_BUSY_TIMEOUT_MS: env.int(20, 0),
  /** Longest a write keeps retrying, without blocking, while the database is locked; then 503 database_busy. */
  DB_LOCK_WAIT_MS: env.int(2_000, 0),
  /** How long readiness reuses its write probe's result. */
  DB_WRITE_PROBE_INTERVAL_MS: env.int(5_000, 0),
  BODY_LIMIT_BYTES: env.int(100 * 1024, 1024),
};

export type BaseConfigShape = typeof baseConfigShape;

/**
 * Parses `source` (normally process.env, passed in by the service's config.ts) with `schema`.
 * Throws ConfigError with one readable line naming every invalid variable.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

const MIN_SECRET_BYTES = 32;

/**
 * Production requires JWT_SECRET of at least 32 bytes. Locally a random secret is generated once into
 * `<dataDir>/jwt-secret` and shared by every local service, so `npm start` needs no setup.
 */
export function resolveJwtSecret(options: {
  nodeEnv: string;
  secret: string | undefined;
  dataDir: string;
}): string {
  const { nodeEnv, secret, dataDir } = options;
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw new ConfigError(`Invalid configuration: JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    return secret;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('Invalid configuration: JWT_SECRET is required in production (at least 32 bytes)');
  }
  const file = join(resolve(dataDir), 'jwt-secret');
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    // Written aside then hard-linked into place: atomic, so services starting together never read half a file.
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(draft, randomBytes(48).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      // Another local service created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  return readFileSync(file, 'utf8').trim();
}

export { z };
