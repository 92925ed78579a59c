import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5001),
  /** The admin created on first start when no admin exists. */
  ADMIN_EMAIL: z.email().default('admin@shop.local'),
  /** Password of that admin; when absent a strong one is generated and printed once. */
  ADMIN_PASSWORD: env.optionalString(),
  REFRESH_TOKEN_TTL_DAYS: env.int(14, 1),
  /** The same client refreshing one token twice within this window (parallel tabs) is not reuse. 0: off. */
  REFRESH_REUSE_GRACE_SECONDS: env.int(10, 0),
  // customer-service is the revocation feed: it reads its own database, it does not poll itself.
  REVOCATION_FEED_URL: z.string().default(''),
  // Its own brute-force and registration budgets (the gateway's limiter stays the first line). Kept in its
  // database, or in Redis when REDIS_URL is set: shared by every replica either way.
  REDIS_URL: env.optionalString(),
  RATE_LIMIT_KEY_PREFIX: env.string('customer-rl'),
  RATE_LIMIT_LOGIN_EMAIL_POINTS: env.int(5, 1),
  RATE_LIMIT_LOGIN_IP_POINTS: env.int(20, 1),
  RATE_LIMIT_LOGIN_DURATION_SECONDS: env.int(900, 1),
  RATE_LIMIT_LOGIN_BLOCK_SECONDS: env.int(900, 0),
  RATE_LIMIT_REGISTER_POINTS: env.int(10, 1),
  RATE_LIMIT_REGISTER_DURATION_SECONDS: env.int(3600, 1),
});

export type CustomerServiceConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): CustomerServiceConfig {
  return parseConfig(schema, source);
}
