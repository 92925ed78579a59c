import { baseConfigShape, env, parseConfig, z } from '@shop/platform';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5002),
  // The demo catalog (ids 1..12) is written on the very first start only, never over an admin's edits.
  SEED_DEMO_CATALOG: env.boolean(true),
});

export type InventoryConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): InventoryConfig {
  return parseConfig(schema, source);
}
