import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5001),
  /** The admin created on first start when no admin exists. */
  ADMIN_EMAIL: z.email().default('admin@shop.local'),
  /** Password of that admin; when absent a strong one is generated and printed once. */
  ADMIN_PASSWORD: env.optionalString(),
  REFRESH_TOKEN_TTL_DAYS: env.int(14, 1),
});

export type CustomerServiceConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): CustomerServiceConfig {
  return parseConfig(schema, source);
}
