import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_OPERATIONS, buildOpenApiDocument, type OpenApiDocument } from '@shop/platform/api-contract';
import { request } from '@shop/platform/tools/testing';
import { routeTableDifferences } from '../src/openapi/route-coverage.js';
import { assertPermitted } from '../src/routing/permission.js';
import { ROUTES, UPSTREAMS, type RouteEntry } from '../src/routing/route-table.js';
import {
  type RunningGateway,
  startGatewayOverStubs,
  stopGatewayAndStubs,
  type StartedStubs,
} from './support/gateway.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function anonymousMay(route: RouteEntry): boolean {
  try {
    assertPermitted(route.permission, undefined);
    return true;
  } catch {
    return false;
  }
}

describe('The OpenAPI document against the route table', () => {
  const document = buildOpenApiDocument({ version });

  test('When the route table and the document are compared, then every route is documented and every operation routed', () => {
    expect(routeTableDifferences(ROUTES, document)).toEqual([]);
    expect(API_OPERATIONS.length).toBe(ROUTES.reduce((count, route) => count + route.methods.length, 0));
  });

  test('When a route is added without documenting it, or an operation documented without a route, then both are named', () => {
    const extraRoute: RouteEntry = {
      methods: ['GET'],
      path: '/api/wishlists/:id',
      upstream: 'customer-service',
      routeClass: 'read',
      permission: 'authenticated',
      rateLimit: 'api',
    };
    const withoutCancel = ROUTES.filter((route) => route.path !== '/api/orders/:id/cancel');

    expect(routeTableDifferences([...withoutCancel, extraRoute], document)).toEqual([
      'routed but not documented: GET /api/wishlists/{id}',
      'documented but not routed: POST /api/orders/{id}/cancel',
    ]);
  });

  test('When anonymous callers are refused by a route, then its operation requires the bearer token', () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const method of route.methods) {
        const operation = document.paths[path]?.[method.toLowerCase()];
        expect(operation, `${method} ${path}`).toBeDefined();
        if (!anonymousMay(route))
          expect(operation?.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        if (route.chaosOnly === true) expect(operation?.['x-chaos-only']).toBe(true);
      }
    }
  });
});

describe('GET /openapi.json and GET /docs on the gateway', () => {
  let stubs: StartedStubs;
  let gateway: RunningGateway;
  beforeAll(async () => ({ stubs, gateway } = await startGatewayOverStubs()));
  afterAll(() => stopGatewayAndStubs(gateway, stubs));

  test('When the document is asked for, then it is the OpenAPI 3.1 contract of this gateway version, served without any upstream', async () => {
    const res = await request<OpenApiDocument>(gateway.url, 'GET', '/openapi.json');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ version }))));
    expect(res.body.info.version).toBe(version);
    for (const name of UPSTREAMS) expect(stubs[name].requests).toEqual([]);
  });

  test('When the reference page is opened, then it loads Swagger UI from this gateway only, under a strict CSP', async () => {
    const res = await fetch(`${gateway.url}/docs`);
    const html = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets).toEqual([
      '/docs/favicon-32x32.png',
      '/docs/swagger-ui.css',
      '/docs/swagger-ui-bundle.js',
      '/docs/init.js',
    ]);
    for (const asset of assets) {
      const file = await fetch(`${gateway.url}${asset}`);
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    const init = await (await fetch(`${gateway.url}/docs/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });

  test('When anything else under /docs is asked for, then 404 and no file outside the list is read', async () => {
    for (const path of [
      '/docs/package.json',
      '/docs/index.html',
      '/docs/..%2Fpackage.json',
      '/docs/swagger-ui.js.map',
    ]) {
      const res = await request(gateway.url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'not_found' } });
    }
  });
});
