import { createDataRuntime, loadMigrations, runMain, serve } from '@shop/platform';
import { announceGeneratedAdmin } from './admin-announcement.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createDependencies } from './dependencies.js';
import { ensureAdminAccount } from './domain/admin-bootstrap.js';

const SERVICE_NAME = 'customer-service';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, loadMigrations(import.meta.url));
  const { db, bus, logger } = runtime;
  const domain = createDependencies({
    db,
    outbox: bus.outbox,
    accessTokens: runtime.tokens,
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
    registry: runtime.registry,
    tokens: runtime.tokens,
    db,
    migrations: runtime.migrations,
    domain,
    brokerReadiness: bus.readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  return serve(runtime, service);
});
