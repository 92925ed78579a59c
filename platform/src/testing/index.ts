export * from './fixtures.js';
export { startBlockingAmqpProxy, type BlockingAmqpProxy } from './blocking-amqp-proxy.js';
export { startFakeOrderService, type FakeOrder, type FakeOrderService } from './fake-order-service.js';
export { holdWriteLock, type HeldWriteLock } from './write-lock.js';
export * from './start-service.js';
export * from './contract.js';
export { rawExchange, startProbeService } from './probe-service.js';
export { buildForProcessTest, packagesLoadedAfter, runCommand, type FinishedCommand } from './run-command.js';
