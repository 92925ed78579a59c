import { baseConfigShape, env, parseConfig, z } from '@shop/platform';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5005),
});

export type ShippingConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): ShippingConfig {
  return parseConfig(schema, source);
}
