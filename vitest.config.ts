import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every workspace of package.json (itself checked against the service list in platform/src/contracts/services.ts
// by ops-tests/test/service-list.test.ts).
const workspaces = (
  JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { workspaces: string[] }
).workspaces;

// The data services: their component tests check every answer to a public route against the OpenAPI document
// (platform/src/testing/contract.ts).
const contractChecked = new Set(workspaces.filter((name) => name.endsWith('-service')));

export default defineConfig({
  test: {
    projects: workspaces.map((name) => ({
      // `source` makes @shop/platform resolve to its TypeScript sources, so tests never need a build.
      resolve: { conditions: ['source'] },
      ssr: { resolve: { conditions: ['source'] } },
      test: {
        name,
        root: `./${name}`,
        include: ['test/**/*.test.ts'],
        exclude: ['dist/**', 'node_modules/**'],
        environment: 'node',
        testTimeout: 30_000,
        hookTimeout: 60_000,
        pool: 'forks',
        setupFiles: contractChecked.has(name) ? ['../platform/src/testing/contract-setup.ts'] : [],
      },
    })),
  },
});
