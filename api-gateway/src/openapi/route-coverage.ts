import type { OpenApiDocument } from '@shop/platform/api-contract';
import type { RouteEntry } from '../routing/route-table.js';

/**
 * Where the route table and the OpenAPI document disagree: a routed method and path the document lacks, or
 * a documented operation no route serves. Empty when they describe the same surface.
 */
export function routeTableDifferences(routes: readonly RouteEntry[], document: OpenApiDocument): string[] {
  const routed = new Set(
    routes.flatMap((route) =>
      route.methods.map((method) => `${method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    ),
  );
  const documented = new Set(
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
  return [
    ...[...routed].filter((key) => !documented.has(key)).map((key) => `routed but not documented: ${key}`),
    ...[...documented].filter((key) => !routed.has(key)).map((key) => `documented but not routed: ${key}`),
  ];
}
