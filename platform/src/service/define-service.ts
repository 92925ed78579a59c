import { join } from 'node:path';
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Registry } from 'prom-client';
import type { TokenService } from '../auth/tokens.js';
import { checkDatabase, openDatabase, syncToDisk, type Db, type Migration } from '../db/sqlite.js';
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
import type { Logger } from '../logging/logger.js';
import { createService, type Service } from './create-service.js';
import type { ReadinessCheck } from './health.js';
import { runMain, startServer, type RunningServer } from './run-service.js';
import { serverLimitsFrom } from './server-limits.js';
import { metricsExposure } from './metrics-exposure.js';
import { createRuntime, startRevocationFeedOf, type RuntimeConfig } from './service-runtime.js';
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
  /** True once the graceful stop has begun (readiness answers 503). */
  shuttingDown: () => boolean;
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
  /**
   * Who may read /metrics on the HTTP port while METRICS_PORT is unset: `public` (default, the services'
   * ports are internal) or `authenticated` (admin or service token: the gateway's public port).
   */
  metricsOnHttpPort?: 'public' | 'authenticated';
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
   * SQLite `synchronous` of its database (default NORMAL). GROUPED where a record must survive a power loss
   * once anyone outside the process may have seen it (an answer, a call, an event): commits are synced in
   * groups, off the event loop, before each of those (docs/performance.md#sqlite-durability-per-database).
   */
  synchronous?: 'FULL' | 'NORMAL' | 'GROUPED';
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

/**
 * A client whose calls leave only once the service's commits so far are on disk (a GROUPED database: see
 * syncToDisk), so another service never acts on a commit a power loss could undo. Other databases: as is.
 */
function afterCommitsOnDisk(client: UpstreamClient, database: () => Db | undefined): UpstreamClient {
  const onDisk = (): Promise<void> => {
    const db = database();
    return db === undefined ? Promise.resolve() : syncToDisk(db);
  };
  return {
    name: client.name,
    request: (req) => onDisk().then(() => client.request(req)),
    forward: (req) => onDisk().then(() => client.forward(req)),
    forwardInto: (req, into) => onDisk().then(() => client.forwardInto(req, into)),
    state: () => client.state(),
    close: () => client.close(),
  };
}

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

/** A composed definition: the Koa app and everything behind it, not listening yet. */
export interface ComposedService<Exposed = unknown> {
  name: string;
  service: Service;
  runtime: ServiceRuntime<unknown> & Partial<Pick<DataServiceRuntime, 'db' | 'bus' | 'migrations'>>;
  exposed: Exposed;
  /** Starts the composition's background workers (once). */
  startWorkers(): void;
  /**
   * Stops the workers, runs the close hooks, closes the upstream clients (all by `deadline.closeBy`), then the
   * event bus (stops consuming, flushes the outbox) and the database. A step still running at its deadline is
   * abandoned without losing data: unsent events stay in the outbox, unacknowledged messages come again.
   */
  close(deadline?: ShutdownDeadline): Promise<void>;
}

/** A started definition. */
export interface StartedService<Exposed = unknown> extends Omit<ComposedService<Exposed>, 'close'> {
  url: string;
  port: number;
  server: RunningServer;
  /** Graceful stop: readiness 503, HTTP drains, then `close` (workers, hooks, clients, bus, database). */
  stop(deadline?: ShutdownDeadline): Promise<void>;
}

function isDataDefinition<C extends ServiceConfig, S, E>(
  definition: ServiceDefinition<C, S, E>,
): definition is DataServiceDefinition<C, S, E> {
  return definition.migrations !== undefined;
}

/**
 * Builds the runtime and composes the service without listening: database and event bus first, then
 * `compose`, then the consumer of its event handlers. A failure on the way closes what was opened.
 */
export async function composeService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
  config: Config,
  options: StartServiceOptions<Seams> = {},
): Promise<ComposedService<Exposed>> {
  const { name } = definition;
  const { logger, registry, tokens } = createRuntime(name, config, {
    ...(options.logger && { logger: options.logger }),
    ...(options.registry && { registry: options.registry }),
    ...(options.tokens && { tokens: options.tokens }),
  });

  const clients: UpstreamClient[] = [];
  const closeClients = () => Promise.all(clients.map((client) => client.close())).then(() => undefined);
  let service: Service | undefined;
  const runtime: ServiceRuntime<Seams> & Partial<Pick<DataServiceRuntime, 'db' | 'bus' | 'migrations'>> = {
    name,
    config,
    logger,
    registry,
    tokens,
    seams: options.seams ?? {},
    shuttingDown: () => service?.shuttingDown ?? false,
    upstreamClient: (settings) => {
      const client = createUpstreamClient({ ...settings, ...options.upstream, logger, registry });
      clients.push(client);
      return afterCommitsOnDisk(client, () => db);
    },
    readWriteClient: (settings) => {
      const { routeClass: _ignored, ...upstream } = options.upstream ?? {};
      const client = createReadWriteClient({ ...settings, ...upstream, logger, registry });
      clients.push(client);
      return afterCommitsOnDisk(client, () => db);
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

    service = createService({
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
      metrics: metricsExposure(config, composition.metricsOnHttpPort ?? 'public'),
    });
    const running: { stop(): Promise<void> | void }[] = [];
    let workersStarted = false;
    let closing: Promise<void> | undefined;
    const closeAll = async (deadline: ShutdownDeadline) => {
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
    };
    return {
      name,
      service,
      runtime,
      exposed: composition.exposed as Exposed,
      startWorkers() {
        if (workersStarted) return;
        workersStarted = true;
        for (const worker of composition.workers ?? []) running.push(worker.start());
      },
      close: (deadline) => {
        closing ??= closeAll(deadline ?? shutdownDeadline(config.SHUTDOWN_TIMEOUT_MS));
        return closing;
      },
    };
  } catch (error) {
    const deadline = shutdownDeadline(config.SHUTDOWN_TIMEOUT_MS);
    await closeClients().catch(() => undefined);
    await closeData(deadline).catch(() => undefined);
    throw error;
  }
}

/**
 * Composes the service (see composeService) and listens on config.HOST:PORT, then starts its workers. The
 * graceful stop, all within SHUTDOWN_TIMEOUT_MS: HTTP drains first, then the composition closes.
 */
export async function startService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
  config: Config,
  options: StartServiceOptions<Seams> = {},
): Promise<StartedService<Exposed>> {
  const composed = await composeService(definition, config, options);
  const { logger } = composed.runtime;
  const feed = startRevocationFeedOf(composed.runtime);
  let server: RunningServer;
  try {
    server = await startServer({
      service: composed.service,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      limits: serverLimitsFrom(config),
      metrics: { port: config.METRICS_PORT, registry: composed.runtime.registry },
      onShutdown: async (deadline) => {
        feed?.stop();
        await composed.close(deadline);
      },
    });
  } catch (error) {
    feed?.stop();
    await composed.close().catch(() => undefined);
    throw error;
  }
  composed.startWorkers();
  logger.info(`${definition.name} listening on ${server.url}`, { url: { full: server.url } });
  return {
    ...composed,
    url: server.url,
    port: server.port,
    server,
    stop: (deadline) => server.stop(deadline),
  };
}

/**
 * A service's whole main.ts: loads its config from the environment, starts it and owns the process (signals,
 * graceful stop within SHUTDOWN_TIMEOUT_MS, exit codes: see runMain).
 */
export function runService<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
): void {
  runMain(definition.name, async (early) => {
    const config = definition.loadConfig();
    early.useShutdownTimeout(config.SHUTDOWN_TIMEOUT_MS);
    // The process's logger first, so that a fatal error during start-up is logged through it too.
    const { logger, registry, tokens } = createRuntime(definition.name, config);
    early.useLogger(logger);
    const started = await startService(definition, config, { logger, registry, tokens });
    return {
      stop: (deadline) => started.stop(deadline),
      logger: started.runtime.logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    };
  });
}
