import { defineConfig } from 'vitest/config';

const workspaces = [
  'platform',
  'api-gateway',
  'customer-service',
  'inventory-service',
  'order-service',
  'payment-service',
  'shipping-service',
  'notification-service',
  'resilience-tests',
  'load-generator',
  'bench',
  'ops-tests',
];

// Their component tests check every answer to a public route against the OpenAPI document
// (platform/src/testing/contract.ts).
const contractChecked = new Set([
  'customer-service',
  'inventory-service',
  'order-service',
  'payment-service',
  'shipping-service',
  'notification-service',
]);

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
