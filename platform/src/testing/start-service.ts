import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '../metrics/registry.js';
import type { Db } from '../db/sqlite.js';
import type { ServiceBus } from '../events/service-bus.js';
import {
  startService,
  type ServiceConfig,
  type ServiceDefinition,
  type StartServiceOptions,
  type StartedService,
} from '../service/define-service.js';
import { captureLogger, tempDir, testTokens, TEST_JWT } from './fixtures.js';

export interface TestServiceOptions<Seams> {
  /** Environment variables over the test defaults (each as the service's loadConfig would read it). */
  env?: Record<string, string | undefined>;
  /** Keep the data in this directory (left in place on stop) instead of a fresh temp dir removed on stop. */
  dataDir?: string;
  /** The service's test seams (its clock, event hooks...): `runtime.seams` in compose. */
  seams?: Partial<Seams>;
  /** Event bus settings over the test defaults (20 ms polls, retries after 50 and 100 ms, embedded file). */
  bus?: StartServiceOptions<Seams>['bus'];
  /** Applied over every upstream client the service asks for (e.g. `{ retries: 0 }`). */
  upstream?: StartServiceOptions<Seams>['upstream'];
}

/** A definition started for a test: the real service on 127.0.0.1 and a random port. */
export interface TestService<Config, Exposed> {
  url: string;
  config: Config;
  /** The data directory (the database, the embedded events file `events.db`). */
  dataDir: string;
  /** The database and the bus of a data service (undefined for the gateway). */
  db: Db;
  bus: ServiceBus;
  registry: Registry;
  /** What the service logged, as parsed JSON lines. */
  logLines: () => Record<string, unknown>[];
  /** The use cases compose exposes for tests. */
  exposed: Exposed;
  started: StartedService<Exposed>;
  /** Graceful stop, then removes the temp data dir (unless `dataDir` was given). */
  stop(): Promise<void>;
}

/** The settings every test service starts with; `env` replaces any of them. */
function testServiceEnv(dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_TO_CONSOLE: 'false',
    LOG_LEVEL: 'debug',
    JWT_SECRET: TEST_JWT.secret,
    JWT_ISSUER: TEST_JWT.issuer,
    JWT_AUDIENCE: TEST_JWT.audience,
    SHUTDOWN_TIMEOUT_MS: '5000',
    // No revocation feed to poll: a test that needs one sets it.
    REVOCATION_FEED_URL: '',
  };
}

/**
 * Starts any service definition as `runService` does, for a test: a real SQLite file in a temp dir, the
 * embedded event bus (or RabbitMQ with `env.AMQP_URL`) with short polls and retry delays, a captured logger,
 * real HS256 tokens signed with the test secret, port 0.
 */
export async function startServiceForTest<Config extends ServiceConfig, Seams, Exposed>(
  definition: ServiceDefinition<Config, Seams, Exposed>,
  options: TestServiceOptions<Seams> = {},
): Promise<TestService<Config, Exposed>> {
  const temp = options.dataDir === undefined ? tempDir(`${definition.name}-test-`) : undefined;
  const dataDir = options.dataDir ?? (temp as { path: string }).path;
  const config = definition.loadConfig({ ...testServiceEnv(dataDir), ...options.env });
  const { logger, lines } = captureLogger(definition.name);
  const registry = createMetricsRegistry(definition.name, { collectDefault: false });
  let started: StartedService<Exposed>;
  try {
    started = await startService(definition, config, {
      logger,
      registry,
      tokens: testTokens(),
      seams: options.seams,
      bus: { pollMs: 20, retryDelaysMs: [50, 100], reconnect: { initialMs: 50, maxMs: 500 }, ...options.bus },
      upstream: options.upstream,
    });
  } catch (error) {
    temp?.cleanup();
    throw error;
  }
  return {
    url: started.url,
    config,
    dataDir,
    db: started.runtime.db as Db,
    bus: started.runtime.bus as ServiceBus,
    registry,
    logLines: lines,
    exposed: started.exposed,
    started,
    async stop() {
      await started.stop();
      temp?.cleanup();
    },
  };
}
