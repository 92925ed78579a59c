import { createDataRuntime, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { shippingMigrations } from './data/database.js';
import { createShippingDependencies } from './dependencies.js';
import { shippingEventHandlers } from './events/handlers.js';
import { shipmentMetrics } from './shipment-metrics.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, shippingMigrations());
  const { db, bus, logger, registry } = runtime;
  const shipping = createShippingDependencies({ db, outbox: bus.outbox });
  const metrics = shipmentMetrics(registry);
  await bus.consume(shippingEventHandlers(shipping, logger, metrics));

  const service = createApp({
    db,
    logger,
    registry,
    tokens: runtime.tokens,
    shipping,
    metrics,
    brokerReadiness: bus.readiness,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    chaosEnabled: config.CHAOS_ENABLED,
  });
  return serve(runtime, service);
});
