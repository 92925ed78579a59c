import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5004),
});

export type PaymentConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): PaymentConfig {
  return parseConfig(schema, source);
}
