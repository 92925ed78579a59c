import { describe, expect, test } from 'vitest';
import { parseTargetSpec } from '../src/target-spec.js';

describe('parseTargetSpec', () => {
  const gateway = {
    kind: 'gateway',
    upstreamUrl: 'http://127.0.0.1:4000',
    gatewayDist: '/repo/api-gateway/dist/src',
    jwtSecret: 'x'.repeat(48),
    dataDir: '/tmp/d',
    logFile: '/tmp/d/gw.log',
  };

  test('When the parent sends a valid spec, then it is read as sent', () => {
    expect(parseTargetSpec('{"kind":"upstream"}')).toEqual({ kind: 'upstream' });
    expect(parseTargetSpec(JSON.stringify({ kind: 'koa-proxy', upstreamUrl: 'http://127.0.0.1:1' }))).toEqual(
      {
        kind: 'koa-proxy',
        upstreamUrl: 'http://127.0.0.1:1',
      },
    );
    const traced = { ...gateway, tracingEndpoint: 'http://127.0.0.1:4000', withoutTracingCode: false };
    expect(parseTargetSpec(JSON.stringify(traced))).toEqual(traced);
  });

  test('When a field is missing or wrong, then the spec is refused naming it', () => {
    expect(() => parseTargetSpec('{"kind":"bare-proxy","upstreamUrl":"not a url"}')).toThrow(/upstreamUrl/);
    expect(() => parseTargetSpec(JSON.stringify({ ...gateway, jwtSecret: 'short' }))).toThrow(/jwtSecret/);
    expect(() => parseTargetSpec(JSON.stringify({ ...gateway, logFile: undefined }))).toThrow(/logFile/);
    expect(() => parseTargetSpec('{"kind":"gateway-ish"}')).toThrow(/no target kind gateway-ish/);
    expect(() => parseTargetSpec('null')).toThrow(/not an object/);
  });
});
