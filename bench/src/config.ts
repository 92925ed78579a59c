import { env, parseConfig, z } from '@shop/platform';

const schema = z.object({
  /** Seconds of measured load per target (after the warm-up). */
  BENCH_DURATION: env.int(5, 1),
  BENCH_WARMUP: env.int(1, 0),
  BENCH_CONNECTIONS: env.int(50, 1),
  /** Requests per second of the moderate-load run that measures added latency without queueing. */
  BENCH_MODERATE_RATE: env.int(1000, 10),
  BENCH_MODERATE_CONNECTIONS: env.int(10, 1),
  /** Comma-separated subset of targets: direct, bare-proxy, koa-proxy, gateway. */
  BENCH_TARGETS: env.list('direct,bare-proxy,koa-proxy,gateway'),
  /** Skip the micro-benchmarks (jsonwebtoken, winston). */
  BENCH_SKIP_MICRO: env.boolean(false),
  BENCH_RESULTS: env.optionalString(),
});

export type BenchConfig = z.infer<typeof schema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): BenchConfig {
  return parseConfig(schema, source);
}
