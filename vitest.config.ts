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
      },
    })),
  },
});
