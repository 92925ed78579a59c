import { fileURLToPath } from 'node:url';
import { buildForProcessTest, packagesLoadedAfter } from '@shop/platform/tools/testing';
import { beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const gatewayDist = `${root}api-gateway/dist/src`;

/**
 * Which of `packages` a fresh Node process has loaded after importing the gateway's composition root
 * (service.js, every module the gateway's routes and middleware need) and running `script`, an ES module body
 * with `createRateLimitStore` and `createLogger` bound.
 */
function loadedAfter(script: string, packages: string[]): string[] {
  const program = `
    await import(${JSON.stringify(`${gatewayDist}/service.js`)});
    const { createRateLimitStore } = await import(${JSON.stringify(`${gatewayDist}/rate-limit/rate-limit-store.js`)});
    const { createLogger } = await import('@shop/platform/runtime');
    ${script}
  `;
  return packagesLoadedAfter(program, packages, `${root}api-gateway`);
}

describe('The gateway loads ioredis only with REDIS_URL', () => {
  beforeAll(() => {
    buildForProcessTest(root, 'api-gateway', `${gatewayDist}/service.js`);
  });

  test('When the gateway is imported and keeps its rate-limit counters in memory, then ioredis is not loaded', () => {
    const loaded = loadedAfter(
      `const store = createRateLimitStore(undefined, createLogger({ service: 'probe', console: false }));
       await store.close();`,
      ['ioredis', 'rate-limiter-flexible'],
    );
    // rate-limiter-flexible is the control: the gateway always loads it, and the check sees CommonJS packages.
    expect(loaded).toEqual(['rate-limiter-flexible']);
  });

  test('When the rate-limit store is given REDIS_URL, then ioredis is loaded', () => {
    const loaded = loadedAfter(
      `const store = createRateLimitStore('redis://127.0.0.1:9', createLogger({ service: 'probe', console: false }));
       await store.close();`,
      ['ioredis'],
    );
    expect(loaded).toEqual(['ioredis']);
  });
});
