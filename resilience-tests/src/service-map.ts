import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ServiceDefinition {
  name: string;
  /** The port `npm start` uses; the runner picks free ones instead. */
  port: number;
  /** The variable other services read this service's base URL from, e.g. PAYMENT_SERVICE_URL. */
  urlVar: string;
}

export const GATEWAY = 'api-gateway';

/** The monorepo root, found from this file whether it runs from src/ (vitest) or dist/src/ (node). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'lib', 'services.mjs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the repository root (scripts/lib/services.mjs)');
    dir = parent;
  }
}

function isDefinition(value: unknown): value is ServiceDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.name === 'string' && typeof record.port === 'number' && typeof record.urlVar === 'string'
  );
}

let cached: Promise<ServiceDefinition[]> | undefined;

/** The service map shared with `npm start` (scripts/lib/services.mjs), so both agree on names and URL vars. */
export function loadServiceMap(): Promise<ServiceDefinition[]> {
  cached ??= (async () => {
    const url = pathToFileURL(join(repositoryRoot(), 'scripts', 'lib', 'services.mjs')).href;
    const module = (await import(url)) as { SERVICES?: unknown };
    if (!Array.isArray(module.SERVICES) || !module.SERVICES.every(isDefinition)) {
      throw new Error('scripts/lib/services.mjs does not export SERVICES as [{name, port, urlVar}]');
    }
    return module.SERVICES;
  })();
  return cached;
}

/** The compiled entry point of a service; it exists once `tsc -b` has built the service. */
export function serviceEntry(root: string, service: string): string {
  return join(root, service, 'dist', 'src', 'main.js');
}

export function isBuilt(root: string, service: string): boolean {
  return existsSync(serviceEntry(root, service));
}
