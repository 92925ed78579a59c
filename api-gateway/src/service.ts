import { defineService } from '@shop/platform/runtime';
import { shareMetricsWithPrimary } from './cluster/worker-metrics.js';
import { createDashboard } from './composite/dashboard.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { apiIndexRoute, gatewayVersion } from './edge/api-index.js';
import { corsAllowlist } from './edge/cors-allowlist.js';
import { securityHeaders } from './edge/security-headers.js';
import { aggregateHealth, type HealthTarget } from './health/aggregate-health.js';
import { openApiRoutes } from './openapi/openapi-routes.js';
import { createUpstreamLanes, upstreamBaseUrl } from './proxy/upstream-lanes.js';
import { createRateLimitStore } from './rate-limit/rate-limit-store.js';
import { createRateLimits } from './rate-limit/rate-limits.js';
import { createProxyRouter } from './routing/proxy-router.js';
import { ROUTES, UPSTREAMS } from './routing/route-table.js';

export const SERVICE_NAME = 'api-gateway';

/** How long start-up waits for the shared rate-limit store, so the first requests already share it. */
const RATE_LIMIT_STORE_WAIT_MS = 2000;

/**
 * api-gateway: the one public entry. Bearer tokens are verified at the edge with the key as a KeyObject
 * (docs/architecture.md#security-model), then the route table: permission, rate limits, breaker and bulkhead
 * per upstream lane, proxy.
 */
export const gatewayService = defineService<GatewayConfig>({
  name: SERVICE_NAME,
  loadConfig,
  async compose({ logger, registry, tokens, shuttingDown }, config) {
    // In a worker of a multi-core gateway (GATEWAY_WORKERS > 1), /metrics answers for every worker.
    shareMetricsWithPrimary(registry);
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
      // Services key their own per-client budgets on the address the gateway vouches for (signed).
      vouchForClient: (address) => tokens.signClientAddress(address),
      maxResponseBytes: config.UPSTREAM_MAX_RESPONSE_BYTES,
    });
    await store.connected(RATE_LIMIT_STORE_WAIT_MS);
    return {
      // Inside the error handler, correlation ID and metrics: headers and CORS also cover 404s and preflights,
      // and the aggregate /health replaces the per-service one.
      edge: [
        securityHeaders(config.NODE_ENV === 'production'),
        corsAllowlist(config.CORS_ORIGINS),
        aggregateHealth(healthTargets, config.HEALTH_TIMEOUT_MS, shuttingDown, {
          tokens,
          cacheMs: config.HEALTH_CACHE_MS,
        }),
      ],
      // After authentication: the route table itself.
      fallback: [proxy],
      readiness: { rateLimitStore: () => store.describe() },
      // The gateway injects no faults into itself; /admin/chaos/:service reaches the services' own.
      chaosEnabled: false,
      // Its HTTP port is the public one: /metrics there needs an admin or service token (or METRICS_PORT).
      metricsOnHttpPort: 'authenticated',
      close: [() => lanes.close(), () => dashboard.close(), () => store.close()],
    };
  },
});
