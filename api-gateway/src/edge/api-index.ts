import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type { RouteDefinition } from '../routing/route-dispatch.js';

/** What `GET /` answers: where a newcomer (or the launcher, checking who holds a port) goes next. */
export interface ApiIndex {
  name: 'shop-platform';
  service: 'api-gateway';
  version: string;
  links: { docs: string; openapi: string; health: string };
}

/** The gateway's package.json version, found from this file whether it runs from src/ or dist/src/. */
export function gatewayVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
      return typeof version === 'string' ? version : 'unknown';
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** `GET /` (and HEAD): a short JSON index instead of a 404 for whoever opens the gateway's URL. */
export function apiIndexRoute(): RouteDefinition {
  const index: ApiIndex = {
    name: 'shop-platform',
    service: 'api-gateway',
    version: gatewayVersion(),
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health' },
  };
  return {
    path: '/',
    methods: ['GET'],
    handler: (ctx: Context) => {
      ctx.body = index;
      return Promise.resolve();
    },
  };
}
