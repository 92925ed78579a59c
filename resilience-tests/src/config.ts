import { env, parseConfig, z } from '@shop/platform/runtime';

export const settingsSchema = z.object({
  GATEWAY_URL: env
    .optionalString()
    .describe(
      'Target an already running stack instead of starting one (process-level faults are then skipped), e.g. $GW as npm start prints it.',
    ),
  ADMIN_EMAIL: env
    .optionalString()
    .describe('Admin e-mail of that external stack (the runner sets its own for the stacks it starts).'),
  ADMIN_PASSWORD: env.optionalString().describe('Admin password of that external stack.'),
  AMQP_URL: env
    .optionalString()
    .describe(
      'RabbitMQ for the started stack (in a private vhost when rabbitmqctl is available); without it the embedded SQLite queue is used.',
    ),
  KEEP_DATA: env
    .boolean(false)
    .describe('true: keep the temporary data directory (SQLite files, logs) after shutdown, to inspect it.'),
  RESILIENCE_SCENARIOS: env
    .list('')
    .describe(
      'Comma-separated names of the scenarios to run (default: all, listed below); an unknown name is refused.',
    ),
  RESILIENCE_REPORT: env
    .optionalString()
    .describe('Where the JSON report goes (default resilience-tests/results/latest.json).'),
  RESILIENCE_SOURCE_ADDRESS: env
    .optionalString()
    .describe(
      "With GATEWAY_URL: where requests leave from. auto (default): a random loopback alias of the suite's own when the gateway is on loopback, so the per-address rate-limit budgets it spends are not yours; off; or an IP address.",
    ),
  RESILIENCE_PAYMENT_LATENCY_MS: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Latency slow-service injects into payment-service; default 1500 (started stack) or 2500 (external).',
    ),
  RESILIENCE_LATE_HOLD_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60_000)
    .optional()
    .describe(
      "How long late-capture holds each charge and reservation; must exceed order-service's ORDER_CALL_DEADLINE_MS + ORDER_CLOCK_SKEW_MS. Default 5000 (started stack) or 15000 (external).",
    ),
  CI: env
    .optionalString()
    .describe(
      "For this package's own tests (npm test): when set, as CI systems do, a test that needs the built services fails instead of skipping.",
    ),
  REQUIRE_SERVICES: env
    .boolean(false)
    .describe(
      "For this package's own tests (npm test): true makes the RabbitMQ variants fail instead of skip when RabbitMQ or rabbitmqctl is missing.",
    ),
});

export type ResilienceConfig = z.infer<typeof settingsSchema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): ResilienceConfig {
  return parseConfig(settingsSchema, source);
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
