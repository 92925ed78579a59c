import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SERVICES, WORKSPACES } from '@shop/platform/contracts';
import { readRepoText } from '../src/repo-files.js';
import { revocationFeedFromCode } from '../src/service-catalog.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const importFile = async <T>(path: string) => (await import(pathToFileURL(`${root}${path}`).href)) as T;

/** Every place that names the services agrees with the one list, platform/src/contracts/services.ts. */
describe('The service list is defined once', () => {
  test('When package.json and tsconfig.json list the workspaces, then they are the list’s, in its order', () => {
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    expect(workspaces).toEqual(WORKSPACES);
    const references = (JSON.parse(read('tsconfig.json')) as { references: { path: string }[] }).references;
    expect(references.map((reference) => reference.path)).toEqual(WORKSPACES);
  });

  test('When the launcher and the resilience runner read scripts/lib/services.mjs, then it has every service with its port and URL variable', async () => {
    const launcher = await importFile<{ SERVICES: { name: string; port: number; urlVar: string }[] }>(
      'scripts/lib/services.mjs',
    );
    const expected = SERVICES.map((service) => ({
      name: service.name,
      port: service.port,
      urlVar: service.urlVariable ?? 'GATEWAY_URL',
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect([...launcher.SERVICES].sort(byName)).toEqual([...expected].sort(byName));
  });

  test('When the Dockerfile installs the workspaces, then it copies the package.json of every service', () => {
    const dockerfile = read('Dockerfile');
    for (const service of SERVICES)
      expect(dockerfile).toContain(`COPY ${service.name}/package.json ${service.name}/`);
  });

  test('When docker-compose.yml runs the platform, then every service is in it on its port', () => {
    const compose = read('docker-compose.yml');
    for (const service of SERVICES) {
      expect(compose).toMatch(new RegExp(`^  ${service.name}:`, 'm'));
      expect(compose).toContain(`SERVICE: ${service.name}, PORT: '${service.port}'`);
    }
  });

  test('When each service loads its config without settings, then its port and its upstreams’ URLs are the list’s', async () => {
    for (const service of SERVICES) {
      const { loadConfig } = await importFile<{
        loadConfig: (env: Record<string, string>) => Record<string, unknown>;
      }>(`${service.name}/src/config.ts`);
      const config = loadConfig({});
      expect(config.PORT, service.name).toBe(service.port);
      for (const upstream of service.upstreams) {
        const target = SERVICES.find((candidate) => candidate.name === upstream);
        expect(target, `${service.name} calls ${upstream}`).toBeDefined();
        expect(config[target?.urlVariable ?? ''], `${service.name}: ${target?.urlVariable}`).toBe(
          `http://127.0.0.1:${target?.port}`,
        );
      }
    }
  });

  test('When a service’s config reads another service’s URL, then the list names that service as its upstream (or it polls that service’s revocation feed)', async () => {
    const feed = revocationFeedFromCode(readRepoText);
    for (const service of SERVICES) {
      const { loadConfig } = await importFile<{
        loadConfig: (env: Record<string, string>) => Record<string, unknown>;
      }>(`${service.name}/src/config.ts`);
      const config = loadConfig({});
      const called = SERVICES.filter(
        (other) =>
          other.urlVariable !== undefined && other.name !== service.name && other.urlVariable in config,
      ).map((other) => other.name);
      // Every poller of the revocation feed reads its owner's URL (platform/src/auth/revocation-feed.ts).
      const viaFeed = feed.pollers.includes(service.name) ? [feed.owner] : [];
      expect([...called].sort(), service.name).toEqual(
        [...new Set([...service.upstreams, ...viaFeed])].sort(),
      );
    }
  });
  test('When a service consumes events, then the list names its queues: its own for eventHandlers, and one more per extra consumer it starts', () => {
    for (const service of SERVICES) {
      const composition = read(`${service.name}/src/service.ts`);
      const ownQueue = /\beventHandlers:/.test(composition);
      const extraConsumers = composition.match(/\bstartConsumer\(/g)?.length ?? 0;
      const queues: readonly string[] = service.queues;
      expect(queues.includes(service.name), `${service.name}: eventHandlers <=> its own queue`).toBe(
        ownQueue,
      );
      expect(queues.length, `${service.name}: its queues`).toBe((ownQueue ? 1 : 0) + extraConsumers);
      for (const queue of queues.filter((name) => name !== service.name))
        expect(queue.startsWith(`${service.name}.`), `${queue} is named after its service`).toBe(true);
    }
  });
});
