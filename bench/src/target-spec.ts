// What the bench's parent tells a target process to serve (serve-target.ts). Checked by hand, not with the
// platform's zod: a target process must not load @shop/platform itself, so that a gateway build measured in it
// (BENCH_GATEWAY_BASELINE, another build's dist) runs on its own copy of the platform only, as in production.

export type TargetSpec =
  | { kind: 'upstream' }
  | { kind: 'bare-proxy'; upstreamUrl: string }
  | { kind: 'koa-proxy'; upstreamUrl: string }
  | {
      kind: 'gateway';
      upstreamUrl: string;
      /** Directory with api-gateway's compiled service.js (its service definition). */
      gatewayDist: string;
      jwtSecret: string;
      dataDir: string;
      logFile: string;
      /** (d3): OpenTelemetry tracing on, exporting over OTLP/HTTP to this endpoint. */
      tracingEndpoint?: string;
      /** (d4): the platform's tracing module replaced by no-op stubs (targets/no-tracing), as if never written. */
      withoutTracingCode?: boolean;
    };

export type TargetKind = TargetSpec['kind'];

function fail(message: string): never {
  throw new Error(`Invalid target spec: ${message}`);
}

function text(spec: Record<string, unknown>, key: string, check?: (value: string) => boolean): string {
  const value = spec[key];
  if (typeof value !== 'string' || (check !== undefined && !check(value))) fail(`${key} is ${String(value)}`);
  return value;
}

const isUrl = (value: string) => URL.canParse(value);

export function parseTargetSpec(json: string): TargetSpec {
  const spec = JSON.parse(json) as unknown;
  if (typeof spec !== 'object' || spec === null) fail('not an object');
  const record = spec as Record<string, unknown>;
  switch (record.kind) {
    case 'upstream':
      return { kind: 'upstream' };
    case 'bare-proxy':
    case 'koa-proxy':
      return { kind: record.kind, upstreamUrl: text(record, 'upstreamUrl', isUrl) };
    case 'gateway': {
      const gateway: TargetSpec = {
        kind: 'gateway',
        upstreamUrl: text(record, 'upstreamUrl', isUrl),
        gatewayDist: text(record, 'gatewayDist'),
        jwtSecret: text(record, 'jwtSecret', (value) => value.length >= 32),
        dataDir: text(record, 'dataDir'),
        logFile: text(record, 'logFile'),
      };
      if (record.tracingEndpoint !== undefined) {
        gateway.tracingEndpoint = text(record, 'tracingEndpoint', isUrl);
      }
      if (record.withoutTracingCode !== undefined) {
        if (typeof record.withoutTracingCode !== 'boolean') fail('withoutTracingCode is not a boolean');
        gateway.withoutTracingCode = record.withoutTracingCode;
      }
      return gateway;
    }
    default:
      return fail(`no target kind ${String(record.kind)}`);
  }
}
