import { appDeps, createDataRuntime, createUpstreamClient, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { shippingMigrations } from './data/database.js';
import { createShippingDependencies } from './dependencies.js';
import { shippingEventHandlers } from './events/handlers.js';
import { shipmentMetrics } from './shipment-metrics.js';
import { orderDirectory } from './upstream/order-directory.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, shippingMigrations());
  const { db, bus, logger, registry, tokens } = runtime;
  const orderClient = createUpstreamClient({
    name: 'order-service',
    baseUrl: config.ORDER_SERVICE_URL,
    logger,
    registry,
    timeoutMs: config.ORDER_LOOKUP_TIMEOUT_MS,
  });
  const shipping = createShippingDependencies({ db, outbox: bus.outbox });
  const metrics = shipmentMetrics(registry);
  const orders = orderDirectory(orderClient, tokens, SERVICE_NAME);
  await bus.consume(shippingEventHandlers(shipping, logger, metrics, orders));

  const service = createApp({ ...appDeps(runtime, config), shipping, metrics });
  return serve(runtime, service, () => orderClient.close());
});
