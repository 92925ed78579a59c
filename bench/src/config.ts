import { availableParallelism } from 'node:os';
import { env, parseConfig, z } from '@shop/platform/runtime';

export const settingsSchema = z.object({
  BENCH_DURATION: env
    .int(2, 1)
    .describe(
      'Seconds of each measured run: per round and target, saturation and moderate; and each product-cache run (default 2).',
    ),
  BENCH_ROUNDS: env
    .int(5, 1)
    .describe(
      'Rounds of the proxy targets (direct to gateway-workers): each round runs every target once, in turn; their figures are the medians over the rounds (default 5).',
    ),
  BENCH_WARMUP: env.int(1, 0).describe('Seconds of unmeasured warm-up per target (default 1).'),
  BENCH_CONNECTIONS: env.int(50, 1).describe('Connections of the saturation run (default 50).'),
  BENCH_MODERATE_RATE: env
    .int(1000, 10)
    .describe(
      'Requests per second of the moderate-load run, which measures added latency without queueing (default 1000).',
    ),
  BENCH_MODERATE_CONNECTIONS: env
    .int(10, 1)
    .describe('Keep-alive connections of the moderate-load run (default 10).'),
  BENCH_TARGETS: env
    .list(
      'direct,bare-proxy,koa-proxy,gateway,gateway-no-tracing,gateway-traced,gateway-workers,e2e,product-cache',
    )
    .describe(
      'Comma-separated subset of the targets direct, bare-proxy, koa-proxy, gateway, gateway-no-tracing (the gateway with the tracing code stubbed out), gateway-traced (the gateway with OpenTelemetry tracing on), gateway-workers, e2e, product-cache (always run in that order; default all nine), and gateway-baseline (not by default: another build of the gateway, BENCH_GATEWAY_BASELINE, measured in the same rounds as gateway).',
    ),
  BENCH_GATEWAY_BASELINE: env
    .optionalString()
    .describe(
      "gateway-baseline: the dist/src directory of another build of api-gateway (e.g. main's, before a change), measured like gateway in the same rounds.",
    ),
  BENCH_GATEWAY_WORKERS: env
    .int(availableParallelism(), 1)
    .describe(
      'gateway-workers: GATEWAY_WORKERS of the gateway started from its main.js (default: the core count, as in production).',
    ),
  BENCH_SKIP_MICRO: env
    .boolean(false)
    .describe('true: skip the micro-benchmarks (jsonwebtoken verify, access log lines).'),
  BENCH_E2E_DURATION: env
    .int(10, 1)
    .describe(
      'e2e: seconds of each end-to-end run: one order at a time, the paced rate, saturation (default 10).',
    ),
  BENCH_E2E_CONCURRENCY: env
    .int(32, 1)
    .describe('e2e: clients placing orders back to back in the saturation run (default 32).'),
  BENCH_E2E_RATE: env
    .int(200, 1)
    .describe(
      'e2e: orders per second of the paced run, where p50 and p99 are read (default 200, the rate of the p99 aim).',
    ),
  BENCH_E2E_GATEWAY_WORKERS: env
    .int(1, 1)
    .describe(
      "e2e: GATEWAY_WORKERS of the started stack's gateway (default 1: the seven services share the machine's cores, where docs/performance.md advises one gateway process).",
    ),
  BENCH_E2E_CUSTOMERS: env
    .int(50, 1)
    .describe('e2e: customers the orders are spread over, signed up at setup (default 50).'),
  GATEWAY_URL: env
    .optionalString()
    .describe(
      'e2e: measure a running stack on this machine (e.g. $GW from npm start) instead of starting one; needs ADMIN_PASSWORD, and DATA_DIR for CPU and memory per process.',
    ),
  ADMIN_EMAIL: env
    .optionalString()
    .describe(
      'e2e with GATEWAY_URL: the admin account that sets up the load products (default admin@shop.local).',
    ),
  ADMIN_PASSWORD: env.optionalString().describe('e2e with GATEWAY_URL: its password.'),
  DATA_DIR: env
    .optionalString()
    .describe(
      "e2e with GATEWAY_URL: the stack's data directory; its stack.json leads to the services' processes.",
    ),
  AMQP_URL: env
    .optionalString()
    .describe(
      'e2e: run the started stack on RabbitMQ (in a private vhost) instead of the embedded SQLite queue.',
    ),
  BENCH_CPU_PROF: env
    .optionalString()
    .describe(
      'e2e: a directory where each service of the started stack writes a V8 CPU profile (node --cpu-prof) when it stops.',
    ),
  BENCH_E2E_IDLE_SECONDS: env
    .int(120, 0)
    .describe(
      'e2e: seconds the started stack stays untouched before its idle RSS is read (default 120: V8 returns its young generation only when its memory reducer runs, up to 100 s after start); 0 reads it at start only.',
    ),
  BENCH_NODE_ARGS: env
    .optionalString()
    .describe(
      'e2e: Node options for every service of the started stack, space-separated (e.g. --max-semi-space-size=1), to compare a flag side by side.',
    ),
  BENCH_RESULTS: env
    .optionalString()
    .describe('Where the JSON results go (default bench/results/latest.json).'),
});

export type BenchConfig = z.infer<typeof settingsSchema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): BenchConfig {
  return parseConfig(settingsSchema, source);
}
