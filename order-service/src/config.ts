import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z
  .object({
    ...baseConfigShape,
    PORT: env.port(5003),
    INVENTORY_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5002'),
    PAYMENT_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5004'),
    /** Per attempt of a call to inventory or payment. */
    UPSTREAM_TIMEOUT_MS: env.int(2000, 10),
    /** Retries of a call to inventory or payment (all of them carry an idempotency key). */
    UPSTREAM_RETRIES: env.int(1, 0),
    /**
     * One overall deadline per call to inventory or payment, every attempt and backoff included (the last
     * attempt gets what is left). Default UPSTREAM_TIMEOUT_MS x (UPSTREAM_RETRIES + 1).
     */
    UPSTREAM_CALL_BUDGET_MS: z.coerce.number().int().min(10).optional(),
    /** How often the recovery worker runs; 0 disables the timer (tests call recoverPendingOrders themselves). */
    ORDER_RECOVERY_INTERVAL_MS: env.int(2000, 0),
    /** PENDING orders younger than this are left to their saga; must exceed a call's total time budget. */
    ORDER_RECOVERY_MIN_AGE_MS: env.int(10_000, 0),
    /**
     * How long after it is sent a reservation or a charge may still take effect: inventory and payment refuse
     * it past this deadline, so only then is their "not found" final. At least a call's whole time budget.
     */
    ORDER_CALL_DEADLINE_MS: env.int(10_000, 100),
    /** How far inventory's and payment's clocks may lag this one's; added to the deadline before trusting a 404. */
    ORDER_CLOCK_SKEW_MS: env.int(1000, 0),
    /** Past this age a PENDING order payment never saw is cancelled (pending_timeout); 2x is the hard deadline. */
    ORDER_PENDING_DEADLINE_MS: env.int(5 * 60_000, 1000),
    ORDER_RECOVERY_BATCH_SIZE: env.int(50, 1),
    /** Backoff of the recovery worker and of follow-up tasks (commit, release, refund). */
    ORDER_RETRY_BASE_MS: env.int(1000, 1),
    ORDER_RETRY_MAX_MS: env.int(60_000, 1),
    /** Retry-After of a 503 when the failing dependency suggested none. */
    DEPENDENCY_RETRY_AFTER_SECONDS: env.int(5, 1),
    IDEMPOTENCY_KEY_TTL_MS: env.int(24 * 60 * 60_000, 60_000),
    /** A cart untouched for this long expires (docs/features/cart.md); default 7 days. */
    CART_IDLE_TTL_MS: env.int(7 * 24 * 60 * 60_000, 60_000),
    /** How often expired carts are deleted; 0 disables the timer (expired carts still read as empty). */
    CART_PURGE_INTERVAL_MS: env.int(60_000, 0),
    /** Orders one customer may place per window (429 order_rate_limited with Retry-After beyond). */
    ORDER_PLACEMENT_POINTS: env.int(10, 1),
    ORDER_PLACEMENT_DURATION_SECONDS: env.int(60, 1),
    /** Most units of one product in one order, and in one order overall (422 quantity_limit_exceeded). */
    ORDER_MAX_QUANTITY_PER_PRODUCT: env.int(20, 1),
    ORDER_MAX_QUANTITY_PER_ORDER: env.int(50, 1),
    /** The placement budget in Redis when set (shared by replicas); else in the service's database. */
    REDIS_URL: env.optionalString(),
    RATE_LIMIT_KEY_PREFIX: env.string('order-rl'),
  })
  .refine((config) => config.ORDER_RECOVERY_MIN_AGE_MS >= callBudgetMs(config), {
    message:
      'must be at least UPSTREAM_CALL_BUDGET_MS (default UPSTREAM_TIMEOUT_MS x (UPSTREAM_RETRIES + 1)), or recovery could race a running call',
    path: ['ORDER_RECOVERY_MIN_AGE_MS'],
  })
  .refine((config) => config.ORDER_CALL_DEADLINE_MS >= callBudgetMs(config), {
    message:
      "must be at least UPSTREAM_CALL_BUDGET_MS (default UPSTREAM_TIMEOUT_MS x (UPSTREAM_RETRIES + 1)), or the saga's own retries would be refused",
    path: ['ORDER_CALL_DEADLINE_MS'],
  });

export type OrderServiceConfig = z.infer<typeof schema>;

/** The overall deadline of one call to inventory or payment. */
export function callBudgetMs(config: {
  UPSTREAM_CALL_BUDGET_MS?: number | undefined;
  UPSTREAM_TIMEOUT_MS: number;
  UPSTREAM_RETRIES: number;
}): number {
  return config.UPSTREAM_CALL_BUDGET_MS ?? config.UPSTREAM_TIMEOUT_MS * (config.UPSTREAM_RETRIES + 1);
}

export function loadConfig(source: Record<string, string | undefined> = process.env): OrderServiceConfig {
  return parseConfig(schema, source);
}
