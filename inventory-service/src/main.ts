import { appDeps, createDataRuntime, runMain, serve } from '@shop/platform';
import { createApp, SERVICE_NAME } from './app.js';
import { loadConfig } from './config.js';
import { inventoryMigrations } from './data/database.js';
import { seedDemoCatalog } from './data/demo-catalog.js';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig();
  const runtime = await createDataRuntime(SERVICE_NAME, config, inventoryMigrations());
  if (config.SEED_DEMO_CATALOG) {
    const seeded = seedDemoCatalog(runtime.db);
    if (seeded > 0) runtime.logger.info('demo catalog seeded', { products: seeded });
  }
  const service = createApp(appDeps(runtime, config));
  return serve(runtime, service);
});
