import { join } from 'node:path';
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import { createTokenService, type TokenService } from '../auth/tokens.js';
import { resolveJwtSecret } from '../config/config.js';
import { checkDatabase, openDatabase, type Db, type Migration } from '../db/sqlite.js';
import type { EventHandlers } from '../events/consumer.js';
import {
  eventBusSettings,
  startServiceBus,
  type ServiceBus,
  type ServiceBusOptions,
} from '../events/service-bus.js';
import { createReadWriteClient } from '../http-client/read-write-client.js';
import {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamOptions,
} from '../http-client/upstream-client.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { createService, type Service } from './create-service.js';
import type { ReadinessCheck } from './health.js';
import { runMain, startServer, type RunningServer } from './run-service.js';
import type { RuntimeConfig } from './service-runtime.js';
import { shutdownDeadline, shutdownStep, type ShutdownDeadline } from './shutdown.js';

/** What every service config has (baseConfigShape + PORT). */
export interface ServiceConfig extends RuntimeConfig {
  BODY_LIMIT_BYTES: number;
  CHAOS_ENABLED: boolean;
}

/** The settings of an upstream client a service asks its runtime for (logger and registry are the runtime's). */
export type UpstreamClientSettings = Omit<UpstreamOptions, 'logger' | 'registry'>;

/**
 * What `compose` receives: the process's logger, metrics registry and token service, and the clients it asks
 * for (closed by the runtime at shutdown). `seams` are the test seams `startServiceForTest` was given (clock,
 * event hooks...); always `{}` in production.
 */
export interface ServiceRuntime<Seams = Record<never, never>> {
  name: string;
  config: RuntimeConfig;
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  seams: Partial<Seams>;
  /** An HTTP client to another service, closed after the workers at shutdown. */
  upstreamClient: (settings: UpstreamClientSettings) => UpstreamClient;
  /** Like `upstreamClient`, with separate breakers for reads and writes (see createReadWriteClient). */
  readWriteClient: (settings: Omit<UpstreamClientSettings, 'routeClass'>) => UpstreamClient;
}

/** The runtime of a service with data: also its migrated SQLite database and its event bus. */
export interface DataServiceRuntime<Seams = Record<never, never>> extends ServiceRuntime<Seams> {
  /** `<DATA_DIR>/<service>.db`, migrated. */
  db: Db;
  migrations: Migration[];
  /** Outbox relay on RabbitMQ or the embedded queue; the consumer starts with `eventHandlers`. */
  bus: ServiceBus;
}

/** A timer-driven job of the service (recovery pass, purge, relay...): started after listening, stopped first. */
export interface BackgroundWorker {
  name: string;
  start(): { stop(): Promise<void> | void };
}

/** What a service is made of, once composed. Everything is optional; nothing here listens or starts. */
export interface Composition<Exposed = undefined> {
  routers?: Router[];
  /** The events the service consumes (data services): consumed on its queue before it listens. */
  eventHandlers?: EventHandlers;
  workers?: BackgroundWorker[];
  /** Readiness checks besides `db` and `broker`, which data services get without asking. */
  readiness?: Record<string, ReadinessCheck>;
  /** Middleware inside the error handler, correlation ID and metrics, ahead of the health endpoints. */
  edge?: Middleware[];
  /** Middleware after the routers (the gateway's route table). */
  fallback?: Middleware[];
  /** Run at shutdown after the workers, before the event bus and the database close. */
  close?: (() => Promise<void> | void)[];
  /** Fault injection (default: CHAOS_ENABLED). The gateway injects none into itself. */
  chaosEnabled?: boolean;
  /** The domain use cases tests drive directly (`startServiceForTest(...).exposed`); unused in production. */
  exposed?: Exposed;
}

interface DefinitionBase<Config extends ServiceConfig> {
  /** The service name: logs, metrics, the database file, the event source and queue. */
  name: string;
  /** Parses the environment (process.env by default) into the validated config. */
  loadConfig(source?: Record<string, string | undefined>): Config;
}

/** A service with a database and an event bus (every service but the gateway). */
export interface DataServiceDefinition<
  Config extends ServiceConfig = ServiceConfig,
  Seams = never,
  Exposed = unknown,
> extends DefinitionBase<Config> {
  /** The SQL migrations, loaded from the service package's `migrations/` folder by `loadMigrations`. */
  migrations: () => Migration[];
  /**
   * SQLite `synchronous` of its database (default NORMAL): FULL where a committed record must survive a
   * power loss, not only a process crash (docs/performance.md#sqlite-durability-per-database).
   */
  synchronous?: 'FULL' | 'NORMAL';
  compose(
    runtime: DataServiceRuntime<Seams>,
    config: Config,
  ): Composition<Exposed> | Promise<Composition<Exposed>>;
}

/** A service without data of its own (the gateway). */
export interface EdgeServiceDefinition<
  Config extends ServiceConfig = ServiceConfig,
  Seams = never,
  Exposed = unknown,
> extends DefinitionBase<Config> {
  migrations?: undefined;
  compose(
    runtime: ServiceRuntime<Seams>,
    config: Config,
  ): Composition<Exposed> | Promise<Composition<Exposed>>;
}

export type ServiceDefinition<
  Config extends ServiceConfig = ServiceConfig,
  Seams = never,
  Exposed = unknown,
> = DataServiceDefinition<Config, Seams, Exposed> | EdgeServiceDefinition<Config, Seams, Exposed>;

/** Names a service's composition root (src/service.ts); `runService` and `startServiceForTest` start it. */
export function defineService<Config extends ServiceConfig, Seams = never, Exposed = undefined>(
  definition: DataServiceDefinition<Config, Seams, Exposed>,
): DataServiceDefinition<Config, Seams, Exposed>;
export function defineService<Config extends ServiceConfig, Seams = never, Exposed = undefined>(
  definition: EdgeServiceDefinition<Config, Seams, Exposed>,
): EdgeServiceDefinition<Config, Seams, Exposed>;
export function defineService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
): ServiceDefinition<Config, Seams, Exposed> {
  return definition;
}

/** How a definition is started: the defaults are production's; `startServiceForTest` replaces some. */
export interface StartServiceOptions<Seams> {
  logger?: Logger;
  registry?: Registry;
  tokens?: TokenService;
  seams?: Partial<Seams>;
  /** Event bus settings over the config's (tests: short polls and retry delays, their own queue or exchange). */
  bus?: Partial<Omit<ServiceBusOptions, 'service' | 'db' | 'logger' | 'registry' | 'handlers'>>;
  /** Applied over every upstream client the service asks for (tests: no retries, a breaker that stays closed). */
  upstream?: Partial<UpstreamClientSettings>;
}

/** A started definition. */
export interface StartedService<Exposed = unknown> {
  name: string;
  url: string;
  port: number;
  server: RunningServer;
  service: Service;
  runtime: ServiceRuntime<unknown> & Partial<Pick<DataServiceRuntime, 'db' | 'bus' | 'migrations'>>;
  exposed: Exposed;
  /** Graceful stop (see `serve`): HTTP drains, workers stop, close hooks and clients, bus, then database. */
  stop(deadline?: ShutdownDeadline): Promise<void>;
}

function isDataDefinition<C extends ServiceConfig, S, E>(
  definition: ServiceDefinition<C, S, E>,
): definition is DataServiceDefinition<C, S, E> {
  return definition.migrations !== undefined;
}

/**
 * Builds the runtime, composes the service and listens on config.HOST:PORT: database and bus first, then
 * `compose`, the consumer, the HTTP server, the workers. A failure on the way closes what was opened.
 */
export async function startService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
  config: Config,
  options: StartServiceOptions<Seams> = {},
): Promise<StartedService<Exposed>> {
  const { name } = definition;
  const logger =
    options.logger ??
    createLogger({
      service: name,
      level: config.LOG_LEVEL,
      file: config.LOG_FILE,
      fileMaxBytes: config.LOG_FILE_MAX_BYTES,
      fileMaxFiles: config.LOG_FILE_MAX_FILES,
      console: config.LOG_TO_CONSOLE,
      elasticsearchUrl: config.ELASTICSEARCH_URL,
    });
  const registry = options.registry ?? createMetricsRegistry(name);
  const tokens =
    options.tokens ??
    createTokenService({
      secret: resolveJwtSecret({
        nodeEnv: config.NODE_ENV,
        secret: config.JWT_SECRET,
        dataDir: config.DATA_DIR,
      }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    });

  const clients: UpstreamClient[] = [];
  const closeClients = () => Promise.all(clients.map((client) => client.close())).then(() => undefined);
  const runtime: ServiceRuntime<Seams> & Partial<Pick<DataServiceRuntime, 'db' | 'bus' | 'migrations'>> = {
    name,
    config,
    logger,
    registry,
    tokens,
    seams: options.seams ?? {},
    upstreamClient: (settings) => {
      const client = createUpstreamClient({ ...settings, ...options.upstream, logger, registry });
      clients.push(client);
      return client;
    },
    readWriteClient: (settings) => {
      const { routeClass: _ignored, ...upstream } = options.upstream ?? {};
      const client = createReadWriteClient({ ...settings, ...upstream, logger, registry });
      clients.push(client);
      return client;
    },
  };

  let db: Db | undefined;
  let bus: ServiceBus | undefined;
  const closeData = async (deadline: ShutdownDeadline) => {
    if (bus) await bus.stop(deadline.closeBy);
    if (db) await shutdownStep(logger, 'database', () => db?.close(), deadline.at);
  };
  try {
    let composition: Composition<Exposed>;
    const readiness: Record<string, ReadinessCheck> = {};
    if (isDataDefinition(definition)) {
      const migrations = definition.migrations();
      const database = openDatabase(join(config.DATA_DIR, `${name}.db`), migrations, {
        ...(definition.synchronous !== undefined && { synchronous: definition.synchronous }),
        busyTimeoutMs: config.DB_BUSY_TIMEOUT_MS,
        lockWaitMs: config.DB_LOCK_WAIT_MS,
        writeProbeIntervalMs: config.DB_WRITE_PROBE_INTERVAL_MS,
      });
      db = database;
      const serviceBus = await startServiceBus({
        service: name,
        db: database,
        ...eventBusSettings(config),
        ...options.bus,
        logger,
        registry,
      });
      bus = serviceBus;
      Object.assign(runtime, { db: database, bus: serviceBus, migrations });
      readiness.db = () => checkDatabase(database, migrations);
      readiness.broker = serviceBus.readiness;
      composition = await definition.compose(runtime as DataServiceRuntime<Seams>, config);
      if (composition.eventHandlers) await serviceBus.consume(composition.eventHandlers);
    } else {
      composition = await definition.compose(runtime, config);
    }

    const service = createService({
      name,
      logger,
      registry,
      tokens,
      routers: composition.routers ?? [],
      readiness: { ...readiness, ...composition.readiness },
      database: db,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      chaosEnabled: composition.chaosEnabled ?? config.CHAOS_ENABLED,
      edge: composition.edge,
      fallback: composition.fallback,
    });
    const running: { stop(): Promise<void> | void }[] = [];
    const server = await startServer({
      service,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      onShutdown: async (deadline) => {
        await shutdownStep(
          logger,
          'workers, close hooks and upstream clients',
          async () => {
            await Promise.all(running.map((worker) => Promise.resolve(worker.stop())));
            for (const hook of composition.close ?? []) await hook();
            await closeClients();
          },
          deadline.closeBy,
        );
        await closeData(deadline);
      },
    });
    for (const worker of composition.workers ?? []) running.push(worker.start());
    logger.info(`${name} listening on ${server.url}`, { url: { full: server.url } });
    return {
      name,
      url: server.url,
      port: server.port,
      server,
      service,
      runtime,
      exposed: composition.exposed as Exposed,
      stop: (deadline) => server.stop(deadline),
    };
  } catch (error) {
    const deadline = shutdownDeadline(config.SHUTDOWN_TIMEOUT_MS);
    await closeClients().catch(() => undefined);
    await closeData(deadline).catch(() => undefined);
    throw error;
  }
}

/**
 * A service's whole main.ts: loads its config from the environment, starts it and owns the process (signals,
 * graceful stop within SHUTDOWN_TIMEOUT_MS, exit codes: see runMain).
 */
export function runService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
): void {
  runMain(definition.name, async () => {
    const config = definition.loadConfig();
    const started = await startService(definition, config);
    return {
      stop: (deadline) => started.stop(deadline),
      logger: started.runtime.logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    };
  });
}
