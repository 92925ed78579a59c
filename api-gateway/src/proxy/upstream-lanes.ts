import {
  createUpstreamClient,
  type Logger,
  type Registry,
  type UpstreamClient,
} from '@shop/platform/runtime';
import { serviceNamed, type ServiceNamed } from '@shop/platform/contracts';
import type { GatewayConfig } from '../config.js';
import { UPSTREAMS, type RouteClass, type RouteEntry, type UpstreamName } from '../routing/route-table.js';

export type BreakerState = ReturnType<UpstreamClient['state']>;

/** The gateway's clients: one per (upstream, route class) the route table uses. */
export interface UpstreamLanes {
  /** The client of that lane; throws for a lane no route uses (a bug in the route table). */
  client(upstream: UpstreamName, routeClass: RouteClass): UpstreamClient;
  /** The state of every breaker of an upstream, by route class (`control` has none). */
  breakerStates(upstream: UpstreamName): Partial<Record<RouteClass, BreakerState>>;
  close(): Promise<void>;
}

/** The config variable holding an upstream's base URL (CUSTOMER_SERVICE_URL...), from the service list. */
export type UpstreamUrlVariable = ServiceNamed<UpstreamName>['urlVariable'];

export function upstreamUrlVariable(upstream: UpstreamName): UpstreamUrlVariable {
  return serviceNamed(upstream).urlVariable;
}

export function upstreamBaseUrl(config: GatewayConfig, upstream: UpstreamName): string {
  return config[upstreamUrlVariable(upstream)];
}

/**
 * The call budget of a lane: order-service's writes run the whole saga (reserve, then charge, each with
 * its own timeout and retry), so they get ORDER_SERVICE_TIMEOUT_MS; everything else UPSTREAM_TIMEOUT_MS.
 */
function laneBudgetMs(config: GatewayConfig, upstream: UpstreamName, routeClass: RouteClass): number {
  return upstream === 'order-service' && routeClass === 'write'
    ? config.ORDER_SERVICE_TIMEOUT_MS
    : config.UPSTREAM_TIMEOUT_MS;
}

/**
 * Creates a client for every (upstream, route class) pair the routes use, each with its own keep-alive
 * pool, breaker and bulkhead (breaker and bulkhead settings are the same for every lane). A lane's budget
 * is the most a client waits for an answer's headers, retries included; an attempt gets at most
 * UPSTREAM_ATTEMPT_TIMEOUT_MS of it. The `control` lane has no breaker.
 */
export function createUpstreamLanes(
  config: GatewayConfig,
  routes: readonly RouteEntry[],
  logger: Logger,
  registry: Registry,
): UpstreamLanes {
  const lanes = new Map<UpstreamName, Map<RouteClass, UpstreamClient>>();
  const add = (upstream: UpstreamName, routeClass: RouteClass): void => {
    let byClass = lanes.get(upstream);
    if (byClass === undefined) {
      byClass = new Map<RouteClass, UpstreamClient>();
      lanes.set(upstream, byClass);
    }
    if (byClass.has(routeClass)) return;
    const budgetMs = laneBudgetMs(config, upstream, routeClass);
    byClass.set(
      routeClass,
      createUpstreamClient({
        name: upstream,
        routeClass,
        baseUrl: upstreamBaseUrl(config, upstream),
        logger,
        registry,
        budgetMs,
        timeoutMs: Math.min(budgetMs, config.UPSTREAM_ATTEMPT_TIMEOUT_MS ?? budgetMs),
        retries: config.UPSTREAM_RETRIES,
        connections: config.UPSTREAM_CONNECTIONS,
        maxConcurrent: config.UPSTREAM_MAX_CONCURRENT,
        breaker: {
          enabled: routeClass !== 'control',
          errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
          volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
          resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
          rollingCountTimeoutMs: config.BREAKER_ROLLING_WINDOW_MS,
        },
      }),
    );
  };
  for (const route of routes) {
    if (route.chaosOnly === true && !config.CHAOS_ENABLED) continue;
    const targets = typeof route.upstream === 'string' ? [route.upstream] : UPSTREAMS;
    for (const upstream of targets) add(upstream, route.routeClass);
  }

  return {
    client(upstream, routeClass) {
      const client = lanes.get(upstream)?.get(routeClass);
      if (client === undefined) throw new Error(`No ${routeClass} lane to ${upstream} in the route table`);
      return client;
    },
    breakerStates(upstream) {
      const states: Partial<Record<RouteClass, BreakerState>> = {};
      for (const [routeClass, client] of lanes.get(upstream) ?? []) {
        if (routeClass !== 'control') states[routeClass] = client.state();
      }
      return states;
    },
    async close() {
      const clients = [...lanes.values()].flatMap((byClass) => [...byClass.values()]);
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}
