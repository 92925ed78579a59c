import { appDeps, createDataRuntime, runMain, serve } from '@shop/platform';
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

  const service = createApp({ ...appDeps(runtime, config), shipping, metrics });
  return serve(runtime, service);
});
