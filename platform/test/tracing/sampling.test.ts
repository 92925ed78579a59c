import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigError,
  createEnvelope,
  samplerSetting,
  startTracing,
  stopTracing,
} from '../../src/runtime/index.js';
import { correlationMiddleware } from '../../src/service/correlation.js';
import { testClient } from '../http-client/upstream-server.js';

interface Export {
  path: string;
  contentType: string | undefined;
  spans: number;
}

interface ExportedSpan {
  name?: string;
  status?: { code?: number; message?: string };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// A local OTLP/HTTP receiver: counts the spans of every JSON export it gets.
const exports: Export[] = [];
const exportedSpans: ExportedSpan[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const parsed = JSON.parse(body || '{}') as {
      resourceSpans?: { scopeSpans?: { spans?: ExportedSpan[] }[] }[];
    };
    const spans = (parsed.resourceSpans ?? [])
      .flatMap((resource) => resource.scopeSpans ?? [])
      .reduce((count, scope) => count + (scope.spans?.length ?? 0), 0);
    exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], spans });
    for (const resource of parsed.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) exportedSpans.push(...(scope.spans ?? []));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

// The upstream the service calls: records the headers each call brought.
const calls: IncomingHttpHeaders[] = [];
const upstream = createServer((req, res) => {
  calls.push(req.headers);
  req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});

let receiverUrl = '';
let upstreamUrl = '';

beforeAll(async () => {
  receiverUrl = await listen(receiver);
  upstreamUrl = await listen(upstream);
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await new Promise((resolve) => upstream.close(resolve));
});
afterEach(async () => {
  await stopTracing();
  exports.length = 0;
  exportedSpans.length = 0;
  calls.length = 0;
});

/** One request through a service (correlation middleware, an upstream call, an event), with tracing as `env` says. */
async function oneRequest(env: Record<string, string>): Promise<{
  correlationId: string | null;
  upstream: IncomingHttpHeaders;
  envelope: { correlationId?: string; traceparent?: string };
}> {
  expect(
    await startTracing('probe', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      ...env,
    }),
  ).toBe(true);
  const { client } = testClient(upstreamUrl);
  let envelope: { correlationId?: string; traceparent?: string } = {};
  const app = new Koa();
  app.use(correlationMiddleware);
  app.use(async (ctx) => {
    await client.request({ method: 'GET', path: '/stock' });
    envelope = createEnvelope(
      'CustomerRegistered',
      { customerId: 'c1', email: 'a@b.test', name: 'A' },
      { source: 'probe' },
    );
    ctx.body = { ok: true };
  });
  const server = createServer(app.callback());
  const url = await listen(server);
  try {
    const response = await fetch(`${url}/orders`, { headers: { 'x-correlation-id': 'sampling-probe-1' } });
    expect(response.status).toBe(200);
    await stopTracing(); // flushes every finished span to the receiver
    return {
      correlationId: response.headers.get('x-correlation-id'),
      upstream: calls[0] ?? {},
      envelope,
    };
  } finally {
    await client.close?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Trace sampling (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG)', () => {
  test('When the ratio is 1, then the request, its call and nothing else are exported, and the context is sampled downstream', async () => {
    const seen = await oneRequest({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
    });
    expect(exports.reduce((sum, e) => sum + e.spans, 0)).toBe(2);
    expect(exports.every((e) => e.path === '/v1/traces' && e.contentType === 'application/json')).toBe(true);
    expect(seen.upstream.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('When the ratio is 0, then nothing is exported while the correlation ID still flows to the caller, the upstream and the event', async () => {
    const seen = await oneRequest({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    });
    expect(exports).toEqual([]);
    expect(seen.correlationId).toBe('sampling-probe-1');
    expect(seen.upstream['x-correlation-id']).toBe('sampling-probe-1');
    expect(seen.envelope.correlationId).toBe('sampling-probe-1');
    // The decision travels on: the next service (parent-based) does not sample either.
    expect(seen.upstream.traceparent).toMatch(/-00$/);
  });

  test('When a caller sent a sampled traceparent, then a parent-based ratio of 0 still follows the caller', async () => {
    expect(
      await startTracing('probe', {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      }),
    ).toBe(true);
    const app = new Koa();
    app.use(correlationMiddleware);
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    const server = createServer(app.callback());
    const url = await listen(server);
    try {
      await fetch(`${url}/x`, { headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
      await stopTracing();
      expect(exports.reduce((sum, e) => sum + e.spans, 0)).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('When a request throws a 5xx, then its server span is an error carrying the error message; an answered 5xx is an error too', async () => {
    expect(await startTracing('probe', { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl })).toBe(true);
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch {
        ctx.status = 503;
      }
    });
    app.use(correlationMiddleware);
    app.use((ctx) => {
      if (ctx.path === '/thrown')
        throw Object.assign(new Error('stock database unreachable'), { status: 503 });
      ctx.status = 502;
    });
    const server = createServer(app.callback());
    const url = await listen(server);
    try {
      expect((await fetch(`${url}/thrown`)).status).toBe(503);
      expect((await fetch(`${url}/answered`)).status).toBe(502);
      await stopTracing();
      expect(exportedSpans.map((span) => span.status)).toEqual([
        { code: 2, message: 'stock database unreachable' },
        { code: 2 },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('When the sampler is unknown or the ratio is not in 0..1, then it is a ConfigError naming the fix; unset means parentbased_always_on', () => {
    expect(samplerSetting({})).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(samplerSetting({ OTEL_TRACES_SAMPLER: 'TraceIdRatio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toEqual({
      name: 'traceidratio',
      ratio: 0.25,
    });
    expect(() => samplerSetting({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(ConfigError);
    expect(() => samplerSetting({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/use one of always_on/);
    expect(() =>
      samplerSetting({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }),
    ).toThrow(/number from 0 to 1/);
    expect(() =>
      samplerSetting({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }),
    ).toThrow(ConfigError);
  });
});
