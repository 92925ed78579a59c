import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5005),
  /** Where the order an OrderConfirmed or OrderCancelled event is about is verified before any shipment change. */
  ORDER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5003'),
  ORDER_LOOKUP_TIMEOUT_MS: env.int(2_000, 50),
});

export type ShippingConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): ShippingConfig {
  return parseConfig(schema, source);
}
