import { z } from '@shop/platform/runtime';

const specSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upstream') }),
  z.object({ kind: z.literal('bare-proxy'), upstreamUrl: z.url() }),
  z.object({ kind: z.literal('koa-proxy'), upstreamUrl: z.url() }),
  z.object({
    kind: z.literal('gateway'),
    upstreamUrl: z.url(),
    /** Directory with api-gateway's compiled service.js (its service definition). */
    gatewayDist: z.string(),
    jwtSecret: z.string().min(32),
    dataDir: z.string(),
    logFile: z.string(),
    /** (d3): OpenTelemetry tracing on, exporting over OTLP/HTTP to this endpoint. */
    tracingEndpoint: z.url().optional(),
    /** (d4): the platform's tracing module replaced by no-op stubs (targets/no-tracing), as if never written. */
    withoutTracingCode: z.boolean().optional(),
  }),
]);

export type TargetSpec = z.infer<typeof specSchema>;
export type TargetKind = TargetSpec['kind'];

export function parseTargetSpec(json: string): TargetSpec {
  return specSchema.parse(JSON.parse(json));
}
