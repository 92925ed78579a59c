import { createDataRuntime, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { paymentMigrations } from './data/database.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, paymentMigrations());
  const service = createApp({
    db: runtime.db,
    outbox: runtime.bus.outbox,
    brokerReadiness: runtime.bus.readiness,
    logger: runtime.logger,
    registry: runtime.registry,
    tokens: runtime.tokens,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  return serve(runtime, service);
});
