import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Context } from 'koa';
import { Router } from '@koa/router';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { routeDispatch, type RouteDefinition } from '../src/routing/route-dispatch.js';
import { ROUTES } from '../src/routing/route-table.js';

interface Answer {
  status: number;
  allow: string | undefined;
  body: string;
}

function answerWithRoute(ctx: Context): Promise<void> {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  const route = (ctx.state as { route?: unknown }).route ?? matched;
  const params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
  ctx.body = { route, params };
  return Promise.resolve();
}

const definitions: RouteDefinition[] = ROUTES.map((route) => ({
  path: route.path,
  methods: route.methods,
  handler: answerWithRoute,
}));

async function listen(app: Koa): Promise<Server> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function ask(server: Server, method: string, path: string): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const allow = res.headers.allow;
        resolve({ status: res.statusCode ?? 0, allow, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const PATHS = [
  ...ROUTES.map((route) => route.path.replace(/:[a-z]+/g, 'x1')),
  '/api/customers/me/',
  '/api/customers/me//',
  '/API/Customers/ME',
  '/api/orders/a%20b/cancel',
  '/api/orders/%E0%A4%A/cancel',
  '/api/orders/',
  '/api/orders//',
  '/api/products/7/stock/',
  '/api/products/7/',
  '/admin/chaos/inventory',
  '/admin/chaos/',
  '/api/customers/me?x=1',
  '/api',
  '/',
  '/internal/reservations',
  '/api/unknown',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];

describe('routeDispatch', () => {
  let reference: Server;
  let dispatch: Server;

  beforeAll(async () => {
    const router = new Router();
    for (const definition of definitions) {
      router.register(definition.path, [...definition.methods], definition.handler);
    }
    const referenceApp = new Koa();
    referenceApp.use(router.routes());
    referenceApp.use(router.allowedMethods());
    reference = await listen(referenceApp);
    const dispatchApp = new Koa();
    dispatchApp.use(routeDispatch(definitions));
    dispatch = await listen(dispatchApp);
  });
  afterAll(async () => {
    await Promise.all([reference, dispatch].map((server) => new Promise((resolve) => server.close(resolve))));
  });

  test('When any method is sent to any path, then it answers exactly as @koa/router routes() + allowedMethods()', async () => {
    const differences: string[] = [];
    let routed = 0;
    for (const method of METHODS) {
      for (const path of PATHS) {
        const [expected, actual] = await Promise.all([
          ask(reference, method, path),
          ask(dispatch, method, path),
        ]);
        if (expected.status === 200 && expected.body.includes('"route"')) routed++;
        if (JSON.stringify(expected) !== JSON.stringify(actual)) {
          differences.push(`${method} ${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`);
        }
      }
    }
    expect(differences).toEqual([]);
    // The comparison means something only if both routed, refused and ignored requests were among them.
    expect(routed).toBeGreaterThan(ROUTES.length);
  });

  test('When a path has parameters, then they are decoded into ctx.params and the template is the route', async () => {
    const answer = await ask(dispatch, 'POST', '/api/orders/a%20b/cancel');
    expect(JSON.parse(answer.body)).toEqual({ route: '/api/orders/:id/cancel', params: { id: 'a b' } });
  });
});
