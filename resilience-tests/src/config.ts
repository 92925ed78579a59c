import { env, parseConfig, z } from '@shop/platform';

const schema = z.object({
  /** Target an already running stack instead of starting one (process-level faults are then skipped). */
  GATEWAY_URL: env.optionalString(),
  /** Admin credentials of that external stack (the runner sets its own for the stacks it starts). */
  ADMIN_EMAIL: env.optionalString(),
  ADMIN_PASSWORD: env.optionalString(),
  /** RabbitMQ transport for the started stack; without it the embedded SQLite queue is used. */
  AMQP_URL: env.optionalString(),
  /** Keep the temporary data directory (SQLite files, logs) after shutdown, to inspect it. */
  KEEP_DATA: env.boolean(false),
  /** Comma-separated scenario names to run (default: all). */
  RESILIENCE_SCENARIOS: env.list(''),
  /** Where the JSON report goes (default resilience-tests/results/latest.json). */
  RESILIENCE_REPORT: env.optionalString(),
  /** Latency injected into payment-service by slow-service; default 1500 (started stack) or 2500 (external). */
  RESILIENCE_PAYMENT_LATENCY_MS: z.coerce.number().int().min(1).optional(),
  CI: env.optionalString(),
  REQUIRE_SERVICES: env.boolean(false),
});

export type ResilienceConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): ResilienceConfig {
  return parseConfig(schema, source);
}

const PASSED_TO_CHILDREN = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'NODE_OPTIONS'];

/**
 * The few variables of this process that the spawned services inherit. Everything else is set explicitly,
 * so a stray PORT, DATA_DIR or AMQP_URL in the caller's shell never changes the stack under test.
 */
export function childBaseEnvironment(
  source: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PASSED_TO_CHILDREN) {
    const value = source[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
