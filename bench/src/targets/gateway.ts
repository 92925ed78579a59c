import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceConfig, ServiceDefinition } from '@shop/platform/runtime';
import type { TargetSpec } from '../target-spec.js';

type PlatformRuntime = typeof import('@shop/platform/runtime');

// The slice of api-gateway's compiled modules the bench drives; loaded at run time so the bench builds
// (and skips this target) while the gateway is absent.
interface GatewayServiceModule {
  gatewayService: ServiceDefinition<ServiceConfig, never, unknown>;
}

const HIGH = String(1_000_000_000);

async function load<T>(file: string, exportName: string): Promise<T> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (typeof module[exportName] !== 'object' || module[exportName] === null)
    throw new Error(`${file} does not export ${exportName}`);
  return module as T;
}

/**
 * The real api-gateway (its service definition from its dist, composed without listening) in production mode: access log to a file, JWT verified,
 * CASL checked, rate limits set far above the load, breaker and metrics on. Every upstream URL points at
 * the tiny upstream; the bench calls the protected GET /api/customers/me with a real signed token.
 */
export async function createGatewayTarget(
  spec: Extract<TargetSpec, { kind: 'gateway' }>,
): Promise<{ server: Server; close(): Promise<void> }> {
  const serviceFile = join(spec.gatewayDist, 'service.js');
  const { gatewayService } = await load<GatewayServiceModule>(serviceFile, 'gatewayService');
  // The platform that gateway build imports, not necessarily the bench's own (BENCH_GATEWAY_BASELINE): a
  // logger or context made by another copy of the platform would miss its fast paths.
  const platformFile = createRequire(serviceFile).resolve('@shop/platform/runtime');
  const {
    composeService,
    createLogger,
    createMetricsRegistry,
    createTokenService,
    startTracing,
    stopTracing,
  } = (await import(pathToFileURL(platformFile).href)) as PlatformRuntime;
  const issuer = 'shop-platform';
  const audience = 'shop-api';
  const config = gatewayService.loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: spec.dataDir,
    LOG_FILE: spec.logFile,
    LOG_TO_CONSOLE: 'false',
    LOG_LEVEL: 'info',
    JWT_SECRET: spec.jwtSecret,
    JWT_ISSUER: issuer,
    JWT_AUDIENCE: audience,
    CUSTOMER_SERVICE_URL: spec.upstreamUrl,
    INVENTORY_SERVICE_URL: spec.upstreamUrl,
    ORDER_SERVICE_URL: spec.upstreamUrl,
    PAYMENT_SERVICE_URL: spec.upstreamUrl,
    SHIPPING_SERVICE_URL: spec.upstreamUrl,
    NOTIFICATION_SERVICE_URL: spec.upstreamUrl,
    RATE_LIMIT_ANONYMOUS_POINTS: HIGH,
    RATE_LIMIT_AUTH_POINTS: HIGH,
    RATE_LIMIT_API_POINTS: HIGH,
  });
  const logger = createLogger({ service: 'api-gateway', level: 'info', file: spec.logFile, console: false });
  const registry = createMetricsRegistry('api-gateway');
  const tokens = createTokenService({ secret: spec.jwtSecret, issuer, audience });
  // (d3): tracing on, as runMain starts it when OTEL_EXPORTER_OTLP_ENDPOINT is set (the tiny upstream, which
  // answers 200 to anything, stands in for the collector).
  if (spec.tracingEndpoint !== undefined) {
    await startTracing('api-gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: spec.tracingEndpoint });
  }
  const gateway = await composeService(gatewayService, config, { logger, registry, tokens });
  const server = createServer(gateway.service.app.callback() as RequestListener);
  server.keepAliveTimeout = 65_000;
  return {
    server,
    async close() {
      await gateway.close();
      await stopTracing();
      logger.end();
    },
  };
}
