import { startServiceForTest } from '@shop/platform/tools/testing';
import type { GatewayConfig } from '../../src/config.js';
import { upstreamUrlVariable } from '../../src/proxy/upstream-lanes.js';
import { gatewayService } from '../../src/service.js';
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

export interface RunningGateway {
  url: string;
  /** With METRICS_PORT in `env`: the internal metrics port. */
  metricsPort?: number | undefined;
  config: GatewayConfig;
  lines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * The gateway as main.ts runs it (startServiceForTest) in front of the stubs. `env` is applied like
 * environment variables; limits are generous unless a test sets them.
 */
export async function startGateway(stubs: Stubs, env: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await startServiceForTest(gatewayService, {
    env: {
      SHUTDOWN_TIMEOUT_MS: '2000',
      RATE_LIMIT_ANONYMOUS_POINTS: '10000',
      RATE_LIMIT_AUTH_POINTS: '10000',
      RATE_LIMIT_API_POINTS: '10000',
      RATE_LIMIT_LOGIN_EMAIL_POINTS: '10000',
      RATE_LIMIT_LOGIN_IP_POINTS: '10000',
      ...Object.fromEntries(UPSTREAMS.map((name) => [upstreamUrlVariable(name), stubs[name].url])),
      ...env,
    },
  });
  return {
    url: gateway.url,
    metricsPort: gateway.started.server.metricsPort,
    config: gateway.config,
    lines: gateway.logLines,
    stop: () => gateway.stop(),
  };
}

export type StartedStubs = Awaited<ReturnType<typeof startStubs>>;

/** Stubs for every upstream and the gateway in front of them: the usual `beforeAll` of a gateway test. */
export async function startGatewayOverStubs(
  env: Record<string, string> = {},
): Promise<{ stubs: StartedStubs; gateway: RunningGateway }> {
  const stubs = await startStubs();
  return { stubs, gateway: await startGateway(stubs, env) };
}

/** The matching `afterAll`: tolerates a `beforeAll` that failed half-way. */
export async function stopGatewayAndStubs(
  gateway: RunningGateway | undefined,
  stubs: StartedStubs | undefined,
): Promise<void> {
  await gateway?.stop();
  await stubs?.closeAll();
}
