import { describe, expect, test } from 'vitest';
import { ROUTES, UPSTREAMS, upstreamNamed } from '../src/routing/route-table.js';

describe('Route table', () => {
  test('When two entries share a path, then they never share a method', () => {
    const seen = new Set<string>();
    for (const route of ROUTES) {
      for (const method of route.methods) {
        const key = `${method} ${route.path}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });

  test('When a route names an upstream, then it is a known one, and nothing routes to /internal', () => {
    for (const route of ROUTES) {
      if (typeof route.upstream === 'string') expect(UPSTREAMS).toContain(route.upstream);
      expect(route.path.startsWith('/internal')).toBe(false);
    }
  });

  test('When every route outside /auth is listed, then none is public (the catalog is readable through CASL)', () => {
    for (const route of ROUTES.filter((entry) => !entry.path.startsWith('/auth/'))) {
      expect(route.permission, route.path).not.toBe('public');
    }
  });

  test('When a route is classified, then GET routes are reads, other methods writes, and only the chaos switch is control', () => {
    for (const route of ROUTES) {
      const expected =
        route.chaosOnly === true ? 'control' : route.methods.every((m) => m === 'GET') ? 'read' : 'write';
      expect(route.routeClass, `${route.methods.join(',')} ${route.path}`).toBe(expected);
    }
  });

  test('When a chaos target is named short or long, then both resolve; unknown names do not', () => {
    expect(upstreamNamed('inventory')).toBe('inventory-service');
    expect(upstreamNamed('inventory-service')).toBe('inventory-service');
    expect(upstreamNamed('mainframe')).toBeUndefined();
    expect(upstreamNamed(undefined)).toBeUndefined();
  });
});
