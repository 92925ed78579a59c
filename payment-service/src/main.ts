import { appDeps, createDataRuntime, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { paymentMigrations } from './data/database.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, paymentMigrations());
  const service = createApp(appDeps(runtime, config));
  return serve(runtime, service);
});
