export {
  startPlatform,
  buildAll,
  TEST_ADMIN,
  RELAXED_RATE_LIMITS,
  EXIT_TOLERANCE_MS,
  stopViolations,
  type StopRecord,
  type Platform,
  type StartPlatformOptions,
  type Credentials,
  type JwtSettings,
} from './platform-runner.js';
export {
  adminToken,
  login,
  newCustomer,
  signToken,
  type ApiTarget,
  type LoginResult,
  type TestCustomer,
} from './accounts.js';
export { invariants, eventuallyInvariants, orderStatusCounts, type InvariantOptions } from './invariants.js';
export { readStockLevels } from './stock-levels.js';
export { metricValue } from './metrics-reader.js';
export { type BrokerSandbox } from './broker-sandbox.js';
export { readOutbox, type OutboxEvent } from './outbox-reader.js';
export {
  openPlatformTransport,
  runEventsCommand,
  type CommandResult,
  type PlatformTransport,
} from './platform-events.js';
