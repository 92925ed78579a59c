import { createMetricsRegistry, createTokenService, startServer } from '@shop/platform';
import { captureLogger, TEST_JWT } from '@shop/platform/testing';
import { createApp } from '../../src/app.js';
import { loadConfig, type GatewayConfig } from '../../src/config.js';
import { UPSTREAMS, type UpstreamName } from '../../src/routing/route-table.js';
import { startUpstreamStub, type UpstreamStub } from './upstream-stub.js';

export type Stubs = Record<UpstreamName, UpstreamStub>;

export async function startStubs(): Promise<Stubs & { closeAll(): Promise<void> }> {
  const stubs = await Promise.all(UPSTREAMS.map((name) => startUpstreamStub(name)));
  const record = Object.fromEntries(UPSTREAMS.map((name, index) => [name, stubs[index]])) as Stubs;
  return Object.assign(record, {
    closeAll: () => Promise.all(stubs.map((stub) => stub.close())).then(() => undefined),
  });
}

const URL_VARIABLES: Record<UpstreamName, string> = {
  'customer-service': 'CUSTOMER_SERVICE_URL',
  'inventory-service': 'INVENTORY_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
  'shipping-service': 'SHIPPING_SERVICE_URL',
  'notification-service': 'NOTIFICATION_SERVICE_URL',
};

export interface RunningGateway {
  url: string;
  config: GatewayConfig;
  lines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * The real gateway app on a random port in front of the stubs. `env` is applied like environment
 * variables; limits are generous unless a test sets them.
 */
export async function startGateway(stubs: Stubs, env: Record<string, string> = {}): Promise<RunningGateway> {
  const source: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_TO_CONSOLE: 'false',
    JWT_SECRET: TEST_JWT.secret,
    JWT_ISSUER: TEST_JWT.issuer,
    JWT_AUDIENCE: TEST_JWT.audience,
    RATE_LIMIT_ANONYMOUS_POINTS: '10000',
    RATE_LIMIT_AUTH_POINTS: '10000',
    RATE_LIMIT_API_POINTS: '10000',
    RATE_LIMIT_LOGIN_EMAIL_POINTS: '10000',
    RATE_LIMIT_LOGIN_IP_POINTS: '10000',
    ...Object.fromEntries(UPSTREAMS.map((name) => [URL_VARIABLES[name], stubs[name].url])),
    ...env,
  };
  const config = loadConfig(source);
  const { logger, lines } = captureLogger('api-gateway');
  const registry = createMetricsRegistry('api-gateway', { collectDefault: false });
  const tokens = createTokenService({
    secret: TEST_JWT.secret,
    issuer: TEST_JWT.issuer,
    audience: TEST_JWT.audience,
  });
  const gateway = createApp({ config, logger, registry, tokens });
  await gateway.warmUp();
  const server = await startServer({
    service: gateway.service,
    port: 0,
    host: '127.0.0.1',
    logger,
    shutdownTimeoutMs: 2000,
    onShutdown: () => gateway.close(),
  });
  return { url: server.url, config, lines, stop: () => server.stop() };
}
