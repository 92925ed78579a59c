import { baseConfigShape, env, parseConfig, z } from '@shop/platform/runtime';

const schema = z.object({
  ...baseConfigShape,
  PORT: env.port(5006),
  /** Where e-mail addresses of customers not in the local directory are looked up. */
  CUSTOMER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5001'),
  CUSTOMER_LOOKUP_TIMEOUT_MS: env.int(2_000, 50),
  /** Where the order an event is about is verified before anyone is notified of it. */
  ORDER_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5003'),
  ORDER_LOOKUP_TIMEOUT_MS: env.int(2_000, 50),
  /** Where the refund of a capture no order owns (PaymentRefunded, reason unknown_order) is verified. */
  PAYMENT_SERVICE_URL: env.urlWithDefault('http://127.0.0.1:5004'),
  PAYMENT_LOOKUP_TIMEOUT_MS: env.int(2_000, 50),
  /** `file`: one JSON line per message in NOTIFICATION_MAIL_FILE (and a log line); `log`: the log line only. */
  NOTIFICATION_SENDER: z.enum(['file', 'log']).default('file'),
  /** Default `<DATA_DIR>/outbox-mail/notification-service.log`. */
  NOTIFICATION_MAIL_FILE: env.optionalString(),
  /** Analytics ingestion (docs/features/analytics.md): events per client (user, else address) per window. */
  ANALYTICS_RATE_LIMIT_POINTS: env.int(60, 1),
  ANALYTICS_RATE_LIMIT_WINDOW_SECONDS: env.int(60, 1),
  /** Where that budget is kept: Redis when set (shared by every replica), else the service's database. */
  REDIS_URL: env.optionalString(),
  RATE_LIMIT_KEY_PREFIX: env.string('notification-rl'),
  /** Analytics events older than this are deleted (hourly). */
  ANALYTICS_RETENTION_DAYS: env.int(90, 1),
});

export type NotificationConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): NotificationConfig {
  return parseConfig(schema, source);
}
