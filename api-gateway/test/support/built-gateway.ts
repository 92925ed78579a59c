import { fileURLToPath } from 'node:url';
import { buildForProcessTest, TEST_JWT } from '@shop/platform/tools/testing';
import { stubUrlEnv, type Stubs } from './gateway.js';

/** The repository root: process tests run the built gateway from there. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The built entry point, as `npm start` runs it. */
export const GATEWAY_MAIN = `${REPO_ROOT}api-gateway/dist/src/main.js`;

/** Builds api-gateway (and what it depends on) for a test that runs it as a process. */
export function buildGateway(): void {
  buildForProcessTest(REPO_ROOT, 'api-gateway', GATEWAY_MAIN);
}

/**
 * What a built gateway process needs in front of `stubs`: port 0 on 127.0.0.1, its data in `dataDir`, the test
 * tokens' secret, issuer and audience, and each upstream's URL. PATH and the test's own settings are the caller's.
 */
export function gatewayProcessEnv(stubs: Stubs, dataDir: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT.secret,
    JWT_ISSUER: TEST_JWT.issuer,
    JWT_AUDIENCE: TEST_JWT.audience,
    ...stubUrlEnv(stubs),
  };
}
