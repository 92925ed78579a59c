import { env, parseConfig, z } from '@shop/platform';

export const settingsSchema = z.object({
  BENCH_DURATION: env
    .int(5, 1)
    .describe('Seconds of each measured run, saturation and moderate (default 5).'),
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
    .list('direct,bare-proxy,koa-proxy,gateway')
    .describe(
      'Comma-separated subset of the targets direct, bare-proxy, koa-proxy, gateway (always run in that order; default all four).',
    ),
  BENCH_SKIP_MICRO: env
    .boolean(false)
    .describe('true: skip the micro-benchmarks (jsonwebtoken verify, access log lines).'),
  BENCH_RESULTS: env
    .optionalString()
    .describe('Where the JSON results go (default bench/results/latest.json).'),
});

export type BenchConfig = z.infer<typeof settingsSchema>;

export function loadConfig(source: Record<string, string | undefined> = process.env): BenchConfig {
  return parseConfig(settingsSchema, source);
}
