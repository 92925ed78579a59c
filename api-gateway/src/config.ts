import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';
import { MAX_GATEWAY_WORKERS } from './cluster/workers.js';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(8080),
  // The edge caps each client address (the services only their total): see docs/security.md.
  HTTP_MAX_CONNECTIONS_PER_IP: env.int(256, 0),
  // Read by the primary process first (cluster/workers.ts): processes serving the port; unset: one per core
  // in production, one elsewhere.
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(MAX_GATEWAY_WORKERS).optional(),

  CUSTOMER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5001'),
  INVENTORY_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5002'),
  ORDER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5003'),
  PAYMENT_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5004'),
  SHIPPING_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5005'),
  NOTIFICATION_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5006'),

  // The most the gateway waits for an upstream's answer (headers), retries included: one budget per call.
  UPSTREAM_TIMEOUT_MS: env.int(3000, 1),
  // order-service's write routes run the whole saga (reserve, then charge, each with its own budget), so the
  // gateway must wait longer than the saga's worst case; otherwise a slow payment surfaces as a 504 instead of
  // the 202 PENDING the order API promises. Default: order-service's 2 x 4 s call budgets plus its own work, with margin.
  ORDER_SERVICE_TIMEOUT_MS: env.int(12_000, 1),
  // Each attempt's share of that budget; unset: an attempt may use all of it (a retry then only follows a
  // fast failure).
  UPSTREAM_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(1).optional(),
  // The gateway does not retry by default: the services already retry their own idempotent calls.
  UPSTREAM_RETRIES: env.int(0),
  UPSTREAM_CONNECTIONS: env.int(64, 1),
  UPSTREAM_MAX_CONCURRENT: env.int(256, 1),
  HEALTH_TIMEOUT_MS: env.int(1000, 1),
  // How long the aggregate /health is reused (at least 1000: /health never probes more than once a second).
  HEALTH_CACHE_MS: env.int(1000, 1000),
  // The largest upstream response body the gateway relays (502 upstream_response_too_large, or a cut
  // connection when the upstream sent no Content-Length).
  UPSTREAM_MAX_RESPONSE_BYTES: env.int(5 * 1024 * 1024, 1024),

  // GET /api/customers/me/dashboard (docs/features/dashboard.md): each part's deadline, and how many of each.
  DASHBOARD_PART_TIMEOUT_MS: env.int(800, 1),
  DASHBOARD_ORDERS_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
  DASHBOARD_SHIPMENTS_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
  DASHBOARD_NOTIFICATIONS_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
  DASHBOARD_FEATURED_LIMIT: z.coerce.number().int().min(1).max(50).default(4),

  BREAKER_ERROR_THRESHOLD_PERCENTAGE: z.coerce.number().int().min(1).max(100).default(50),
  BREAKER_VOLUME_THRESHOLD: env.int(5, 1),
  BREAKER_RESET_TIMEOUT_MS: env.int(10_000, 1),
  BREAKER_ROLLING_WINDOW_MS: env.int(10_000, 100),

  REDIS_URL: env.optionalString(),
  RATE_LIMIT_KEY_PREFIX: env.string('gateway-rl'),
  RATE_LIMIT_ANONYMOUS_POINTS: env.int(300, 1),
  RATE_LIMIT_ANONYMOUS_DURATION_SECONDS: env.int(60, 1),
  RATE_LIMIT_AUTH_POINTS: env.int(30, 1),
  RATE_LIMIT_AUTH_DURATION_SECONDS: env.int(60, 1),
  RATE_LIMIT_API_POINTS: env.int(600, 1),
  RATE_LIMIT_API_DURATION_SECONDS: env.int(60, 1),
  RATE_LIMIT_LOGIN_EMAIL_POINTS: env.int(5, 1),
  RATE_LIMIT_LOGIN_IP_POINTS: env.int(20, 1),
  RATE_LIMIT_LOGIN_DURATION_SECONDS: env.int(900, 1),
  RATE_LIMIT_LOGIN_BLOCK_SECONDS: env.int(900, 0),
  TRUST_PROXY_HOPS: env.int(0),

  CORS_ORIGINS: env.list(''),
});

export type GatewayConfig = z.infer<typeof schema>;

/** Reads and validates the gateway's settings once at start; throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): GatewayConfig {
  return parseConfig(schema, source);
}
