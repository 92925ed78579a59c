import { createRuntime, runMain, serve } from '@shop/platform';
import { createApp } from './app.js';
import { shareMetricsWithPrimary } from './cluster/worker-metrics.js';
import { loadConfig } from './config.js';

// The gateway process (or, with GATEWAY_WORKERS > 1, each worker of it).
runMain('api-gateway', async () => {
  const config = loadConfig();
  const runtime = createRuntime('api-gateway', config);
  shareMetricsWithPrimary(runtime.registry);
  const gateway = createApp({
    config,
    logger: runtime.logger,
    registry: runtime.registry,
    tokens: runtime.tokens,
  });
  await gateway.warmUp();
  return serve(runtime, gateway.service, () => gateway.close());
});
