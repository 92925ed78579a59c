import { buildAll } from '../../../src/index.js';

// Only what the e2e tests start: a whole-repository build would also compile unrelated workspaces
// that may be mid-edit, and fail these tests for reasons that are not theirs.
const SERVICE_PROJECTS = [
  'platform',
  'customer-service',
  'inventory-service',
  'order-service',
  'payment-service',
  'shipping-service',
  'notification-service',
  'api-gateway',
];

/** Brings every service's dist/ up to date (buildAll is memoised per process and takes turns across files). */
export function buildServices(): Promise<void> {
  return buildAll(SERVICE_PROJECTS);
}
