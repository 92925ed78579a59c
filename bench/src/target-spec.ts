import { z } from '@shop/platform';

const specSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upstream') }),
  z.object({ kind: z.literal('bare-proxy'), upstreamUrl: z.url() }),
  z.object({ kind: z.literal('koa-proxy'), upstreamUrl: z.url() }),
  z.object({
    kind: z.literal('gateway'),
    upstreamUrl: z.url(),
    /** Directory with api-gateway's compiled app.js and config.js. */
    gatewayDist: z.string(),
    jwtSecret: z.string().min(32),
    dataDir: z.string(),
    logFile: z.string(),
  }),
]);

export type TargetSpec = z.infer<typeof specSchema>;
export type TargetKind = TargetSpec['kind'];

export function parseTargetSpec(json: string): TargetSpec {
  return specSchema.parse(JSON.parse(json));
}
