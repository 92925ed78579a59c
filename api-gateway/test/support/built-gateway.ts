import { fileURLToPath } from 'node:url';
import { buildForProcessTest } from '@shop/platform/tools/testing';

/** The repository root: process tests run the built gateway from there. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The built entry point, as `npm start` runs it. */
export const GATEWAY_MAIN = `${REPO_ROOT}api-gateway/dist/src/main.js`;

/** Builds api-gateway (and what it depends on) for a test that runs it as a process. */
export function buildGateway(): void {
  buildForProcessTest(REPO_ROOT, 'api-gateway', GATEWAY_MAIN);
}
