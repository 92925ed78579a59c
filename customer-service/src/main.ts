import { join } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  createTokenService,
  eventBusSettings,
  loadMigrations,
  openDatabase,
  resolveJwtSecret,
  runMain,
  startServer,
  startServiceBus,
} from '@shop/platform';
import { announceGeneratedAdmin } from './admin-announcement.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createDependencies } from './dependencies.js';
import { ensureAdminAccount } from './domain/admin-bootstrap.js';

runMain('customer-service', async () => {
  const config = loadConfig();
  const logger = createLogger({
    service: 'customer-service',
    level: config.LOG_LEVEL,
    file: config.LOG_FILE,
    console: config.LOG_TO_CONSOLE,
  });
  const registry = createMetricsRegistry('customer-service');
  const migrations = loadMigrations(import.meta.url);
  const db = openDatabase(join(config.DATA_DIR, 'customer-service.db'), migrations);
  const tokens = createTokenService({
    secret: resolveJwtSecret({
      nodeEnv: config.NODE_ENV,
      secret: config.JWT_SECRET,
      dataDir: config.DATA_DIR,
    }),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const bus = await startServiceBus({
    service: 'customer-service',
    db,
    ...eventBusSettings(config),
    logger,
    registry,
  });
  const domain = createDependencies({
    db,
    outbox: bus.outbox,
    accessTokens: tokens,
    refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
  });

  const bootstrap = await ensureAdminAccount(domain, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD,
  });
  if (bootstrap.created) {
    const origin =
      bootstrap.generatedPassword === undefined
        ? 'from ADMIN_PASSWORD'
        : 'with a generated secret (shown once on stdout)';
    logger.info(`admin account created ${origin}`, {
      customerId: bootstrap.admin.id,
      email: bootstrap.admin.email,
    });
    if (bootstrap.generatedPassword !== undefined) {
      announceGeneratedAdmin(bootstrap.admin.email, bootstrap.generatedPassword, (text) =>
        process.stdout.write(text),
      );
    }
  }

  const service = createApp({
    logger,
    registry,
    tokens,
    db,
    migrations,
    domain,
    brokerReadiness: bus.readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  const server = await startServer({
    service,
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdown: async () => {
      await bus.stop();
      db.close();
    },
  });
  logger.info(`customer-service listening on ${server.url}`);
  return { stop: () => server.stop(), logger };
});
