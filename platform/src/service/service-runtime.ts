import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { resolveJwtSecret } from '../config/config.js';
import { openDatabase, type DatabaseSettings, type Db, type Migration } from '../db/sqlite.js';
import { eventBusSettings, startServiceBus, type ServiceBus } from '../events/service-bus.js';
import { createTokenService, type TokenService } from '../auth/tokens.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import type { Service, ServiceAppDeps } from './create-service.js';
import type { Outbox } from '../events/outbox.js';
import { startServer, type MainHandle, type RunningServer } from './run-service.js';
import { shutdownStep } from './shutdown.js';
import { serverLimitsFrom } from './server-limits.js';
import { httpRevocationSource, startRevocationFeed } from '../auth/revocation-feed.js';

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

export interface DataRuntime extends Runtime {
  /** `<DATA_DIR>/<service>.db`, migrated. */
  db: Db;
  migrations: Migration[];
  /** Outbox relay (and consumer, once `bus.consume` is called) on RabbitMQ or the embedded queue. */
  bus: ServiceBus;
}

/** Logger (file and Elasticsearch as configured), metrics registry and token service of a process. */
export function createRuntime(name: string, config: RuntimeConfig): Runtime {
  const logger = createLogger({
    service: name,
    level: config.LOG_LEVEL,
    file: config.LOG_FILE,
    fileMaxBytes: config.LOG_FILE_MAX_BYTES,
    fileMaxFiles: config.LOG_FILE_MAX_FILES,
    console: config.LOG_TO_CONSOLE,
    elasticsearchUrl: config.ELASTICSEARCH_URL,
  });
  const registry = createMetricsRegistry(name);
  const tokens = createTokenService({
    secret: resolveJwtSecret({
      nodeEnv: config.NODE_ENV,
      secret: config.JWT_SECRET,
      dataDir: config.DATA_DIR,
    }),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    ...(config.ACCESS_TOKEN_MAX_LIFETIME_SECONDS !== undefined && {
      maxLifetimeSeconds: config.ACCESS_TOKEN_MAX_LIFETIME_SECONDS,
    }),
    ...(config.JWT_CLOCK_SKEW_SECONDS !== undefined && {
      clockToleranceSeconds: config.JWT_CLOCK_SKEW_SECONDS,
    }),
  });
  return { name, config, logger, registry, tokens };
}

/**
 * Everything a service with data starts with: the runtime, its SQLite database and its event bus. One call, so a
 * service's main.ts is only about its own wiring. `storage.synchronous`: FULL where a committed record must
 * survive a power loss (orders, payments), NORMAL (the default) where surviving a process crash is enough.
 */
export async function createDataRuntime(
  name: string,
  config: RuntimeConfig,
  migrations: Migration[],
  storage: Pick<DatabaseSettings, 'synchronous'> = {},
): Promise<DataRuntime> {
  const runtime = createRuntime(name, config);
  const db = openDatabase(join(config.DATA_DIR, `${name}.db`), migrations, {
    ...storage,
    busyTimeoutMs: config.DB_BUSY_TIMEOUT_MS,
    lockWaitMs: config.DB_LOCK_WAIT_MS,
    writeProbeIntervalMs: config.DB_WRITE_PROBE_INTERVAL_MS,
  });
  const bus = await startServiceBus({
    service: name,
    db,
    ...eventBusSettings(config),
    logger: runtime.logger,
    registry: runtime.registry,
  });
  return { ...runtime, db, migrations, bus };
}

/** The dependencies every `createApp` takes, from a data runtime and the service's config. */
export function appDeps(
  runtime: DataRuntime,
  config: { BODY_LIMIT_BYTES: number; CHAOS_ENABLED: boolean },
): ServiceAppDeps & { outbox: Outbox } {
  return {
    db: runtime.db,
    logger: runtime.logger,
    registry: runtime.registry,
    tokens: runtime.tokens,
    outbox: runtime.bus.outbox,
    brokerReadiness: runtime.bus.readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  };
}

/**
 * Listens on the configured host and port and returns what `runMain` needs. Graceful stop, all within
 * SHUTDOWN_TIMEOUT_MS (see shutdown.ts): HTTP drains first, then `beforeClose` (workers, upstream clients),
 * then the event bus (stop consuming, flush the outbox, close the transport), then the database. A step still
 * running at its deadline is abandoned without losing data (unsent events stay in the outbox, unacknowledged
 * messages are delivered again) and the next one runs.
 */
export async function serve(
  runtime: Runtime | DataRuntime,
  service: Service,
  beforeClose?: () => Promise<void> | void,
): Promise<MainHandle & { server: RunningServer }> {
  const { config, logger } = runtime;
  // Revocations (logout, role, password or email change) from customer-service's internal feed, polled in
  // the background into the token service's in-memory list; customer-service itself reads its database.
  const feedUrl = config.REVOCATION_FEED_URL ?? '';
  const feed =
    feedUrl === ''
      ? undefined
      : startRevocationFeed({
          source: httpRevocationSource(feedUrl, runtime.tokens, runtime.name),
          list: runtime.tokens.revocations,
          logger,
          registry: runtime.registry,
          intervalMs: config.REVOCATION_POLL_MS,
        });
  const server = await startServer({
    service,
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    limits: serverLimitsFrom(config),
    onShutdown: async (deadline) => {
      feed?.stop();
      if (beforeClose)
        await shutdownStep(logger, 'workers and upstream clients', beforeClose, deadline.closeBy);
      if ('bus' in runtime) {
        await runtime.bus.stop(deadline.closeBy);
        await shutdownStep(logger, 'database', () => runtime.db.close(), deadline.at);
      }
    },
  });
  logger.info(`${runtime.name} listening on ${server.url}`, { url: { full: server.url } });
  return {
    stop: (deadline) => server.stop(deadline),
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    server,
  };
}
