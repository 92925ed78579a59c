import { appDeps, createDataRuntime, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { paymentMigrations } from './data/database.js';
import { orderEventHandlers } from './events/order-handlers.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, paymentMigrations());
  const service = createApp(appDeps(runtime, config));
  await runtime.bus.consume(orderEventHandlers(service.recordOrderCancelled, runtime.logger));
  return serve(runtime, service);
});
