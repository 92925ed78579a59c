import type { Registry } from 'prom-client';
import { resolveJwtSecret } from '../config/config.js';
import { createTokenService, tokenSettingsFrom, type TokenService } from '../auth/tokens.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { startConfiguredRevocationFeed } from '../auth/revocation-feed.js';

/** The base settings a runtime needs; every service config (baseConfigShape + PORT) has them. */
export interface RuntimeConfig {
  NODE_ENV: string;
  HOST: string;
  PORT: number;
  DATA_DIR: string;
  LOG_LEVEL: string;
  LOG_FILE?: string | undefined;
  LOG_FILE_MAX_BYTES?: number | undefined;
  LOG_FILE_MAX_FILES?: number | undefined;
  LOG_TO_CONSOLE: boolean;
  ELASTICSEARCH_URL?: string | undefined;
  JWT_SECRET?: string | undefined;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  ACCESS_TOKEN_MAX_LIFETIME_SECONDS?: number | undefined;
  JWT_CLOCK_SKEW_SECONDS?: number | undefined;
  CUSTOMER_SERVICE_URL?: string | undefined;
  REVOCATION_FEED_URL?: string | undefined;
  REVOCATION_POLL_MS?: number | undefined;
  HTTP_HEADERS_TIMEOUT_MS?: number | undefined;
  HTTP_REQUEST_TIMEOUT_MS?: number | undefined;
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number | undefined;
  HTTP_MAX_CONNECTIONS?: number | undefined;
  HTTP_MAX_CONNECTIONS_PER_IP?: number | undefined;
  METRICS_PORT?: number | undefined;
  AMQP_URL?: string | undefined;
  EVENT_BUS_FILE?: string | undefined;
  SHUTDOWN_TIMEOUT_MS: number;
  DB_BUSY_TIMEOUT_MS: number;
  DB_LOCK_WAIT_MS: number;
  DB_WRITE_PROBE_INTERVAL_MS: number;
}

export interface Runtime {
  name: string;
  config: RuntimeConfig;
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
}

/** Logger (file and Elasticsearch as configured), metrics registry and token service of a process; tests give theirs. */
export function createRuntime(
  name: string,
  config: RuntimeConfig,
  given: Partial<Pick<Runtime, 'logger' | 'registry' | 'tokens'>> = {},
): Runtime {
  const logger =
    given.logger ??
    createLogger({
      service: name,
      level: config.LOG_LEVEL,
      file: config.LOG_FILE,
      fileMaxBytes: config.LOG_FILE_MAX_BYTES,
      fileMaxFiles: config.LOG_FILE_MAX_FILES,
      console: config.LOG_TO_CONSOLE,
      elasticsearchUrl: config.ELASTICSEARCH_URL,
    });
  const registry = given.registry ?? createMetricsRegistry(name);
  const tokens =
    given.tokens ??
    createTokenService(
      tokenSettingsFrom(
        config,
        resolveJwtSecret({ nodeEnv: config.NODE_ENV, secret: config.JWT_SECRET, dataDir: config.DATA_DIR }),
      ),
    );
  return { name, config, logger, registry, tokens };
}

/**
 * Revocations (logout, role, password or email change) from customer-service's internal feed, polled in the
 * background into the token service's in-memory list (REVOCATION_FEED_URL, by default
 * `<CUSTOMER_SERVICE_URL>/internal/revocations`); none when REVOCATION_FEED_URL is empty (customer-service
 * itself reads its database). `startService` runs it while the service listens.
 */
export function startRevocationFeedOf(runtime: Runtime): { stop(): void } | undefined {
  return startConfiguredRevocationFeed({ ...runtime, config: runtime.config });
}
