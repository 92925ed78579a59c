import { createService, type Logger, type Registry, type Service, type TokenService } from '@shop/platform';
import type { GatewayConfig } from './config.js';
import { createDashboard } from './composite/dashboard.js';
import { apiIndexRoute, gatewayVersion } from './edge/api-index.js';
import { corsAllowlist } from './edge/cors-allowlist.js';
import { securityHeaders } from './edge/security-headers.js';
import { aggregateHealth, type HealthTarget } from './health/aggregate-health.js';
import { createUpstreamLanes, upstreamBaseUrl } from './proxy/upstream-lanes.js';
import { openApiRoutes } from './openapi/openapi-routes.js';
import { createRateLimitStore } from './rate-limit/rate-limit-store.js';
import { createRateLimits } from './rate-limit/rate-limits.js';
import { createProxyRouter } from './routing/proxy-router.js';
import { ROUTES, UPSTREAMS } from './routing/route-table.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  /** Verifies bearer tokens at the edge; built once, with the key as a KeyObject (docs/architecture.md#performance). */
  tokens: TokenService;
}

export interface Gateway {
  service: Service;
  /** Waits, at most `timeoutMs`, for the shared rate-limit store, so the first requests already share it. */
  warmUp(timeoutMs?: number): Promise<void>;
  /** Closes the upstream pools and the Redis connection (after the HTTP server has drained). */
  close(): Promise<void>;
}

/** Builds the gateway; never listens (main.ts or a test does). */
export function createApp({ config, logger, registry, tokens }: GatewayDeps): Gateway {
  const lanes = createUpstreamLanes(config, ROUTES, logger, registry);
  const healthTargets: HealthTarget[] = UPSTREAMS.map((name) => ({
    name,
    baseUrl: upstreamBaseUrl(config, name),
    breakers: () => lanes.breakerStates(name),
  }));

  const store = createRateLimitStore(config.REDIS_URL, logger);
  const rateLimits = createRateLimits(config, store, registry);
  const dashboard = createDashboard(config, logger, registry);
  const proxy = createProxyRouter({
    composites: { dashboard: (ctx) => dashboard.handle(ctx) },
    routes: ROUTES,
    lanes,
    rateLimits,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    chaosEnabled: config.CHAOS_ENABLED,
    logger,
    localRoutes: [apiIndexRoute(), ...openApiRoutes(gatewayVersion())],
  });

  const service = createService({
    name: 'api-gateway',
    logger,
    registry,
    tokens,
    routers: [],
    readiness: { rateLimitStore: () => store.describe() },
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    // The gateway injects no faults into itself; /admin/chaos/:service reaches the services' own.
    chaosEnabled: false,
  });
  // After createService's chain (its last middleware is authentication): the route table itself.
  service.app.use(proxy);
  // Ahead of createService's chain: headers and CORS must also cover 404s and preflights, and the
  // aggregate /health replaces the per-service one createService would answer.
  service.app.middleware.unshift(
    securityHeaders(config.NODE_ENV === 'production'),
    corsAllowlist(config.CORS_ORIGINS),
    aggregateHealth(healthTargets, config.HEALTH_TIMEOUT_MS, () => service.shuttingDown),
  );

  return {
    service,
    warmUp: (timeoutMs = 2000) => store.connected(timeoutMs),
    async close() {
      await lanes.close();
      await dashboard.close();
      await store.close();
    },
  };
}
