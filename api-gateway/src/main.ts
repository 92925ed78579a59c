import { createRuntime, runMain, serve } from '@shop/platform';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

runMain('api-gateway', async () => {
  const config = loadConfig();
  const runtime = createRuntime('api-gateway', config);
  const gateway = createApp({
    config,
    logger: runtime.logger,
    registry: runtime.registry,
    tokens: runtime.tokens,
  });
  await gateway.warmUp();
  return serve(runtime, gateway.service, () => gateway.close());
});
