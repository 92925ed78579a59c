import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { Router } from '@koa/router';
import { Pool } from 'undici';
import { requestHeadersFor } from './forwarding.js';

/** The framework baseline: Koa + @koa/router + undici pass-through, nothing else (docs/architecture.md#performance). */
export function createKoaProxy(upstreamUrl: string): { server: Server; close(): Promise<void> } {
  const pool = new Pool(upstreamUrl, { connections: 128, keepAliveTimeout: 60_000 });
  const app = new Koa();
  const router = new Router();
  router.all('/api/{*rest}', async (ctx) => {
    const hasBody = ctx.method !== 'GET' && ctx.method !== 'HEAD';
    const upstream = await pool.request({
      method: ctx.method,
      path: ctx.url,
      headers: requestHeadersFor(ctx.req.headers),
      body: hasBody ? ctx.req : null,
    });
    ctx.status = upstream.statusCode;
    const type = upstream.headers['content-type'];
    if (typeof type === 'string') ctx.type = type;
    const length = upstream.headers['content-length'];
    // A client that disconnects mid-body makes Koa destroy the stream, which then emits an 'error' that
    // nothing else listens to and would crash the process (autocannon does this at the end of every run).
    upstream.body.on('error', () => undefined);
    ctx.body = upstream.body;
    if (typeof length === 'string') ctx.length = Number(length);
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  return { server, close: () => pool.close() };
}
