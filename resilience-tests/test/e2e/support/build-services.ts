import { DATA_SERVICES, LIBRARY_WORKSPACES } from '@shop/platform/contracts';
import { buildAll } from '../../../src/index.js';

// Only what the e2e tests start: a whole-repository build would also compile unrelated workspaces
// that may be mid-edit, and fail these tests for reasons that are not theirs.
const SERVICE_PROJECTS = [...LIBRARY_WORKSPACES, ...DATA_SERVICES, 'api-gateway'];

/** Brings every service's dist/ up to date (buildAll is memoised per process and takes turns across files). */
export function buildServices(): Promise<void> {
  return buildAll(SERVICE_PROJECTS);
}
