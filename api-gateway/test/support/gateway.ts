import { afterAll, afterEach, beforeAll } from 'vitest';
import { startServiceForTest, tokenFor } from '@shop/platform/tools/testing';
import type { GatewayConfig } from '../../src/config.js';
import { upstreamUrlVariable } from '../../src/proxy/upstream-lanes.js';
import { gatewayService } from '../../src/service.js';
import { UPSTREAMS, type UpstreamName } from '../../src/routing/route-table.js';
import { startUpstreamStub, type UpstreamStub } from './upstream-stub.js';

export type Stubs = Record<UpstreamName, UpstreamStub>;

/** The gateway's public port shows /metrics to a service's (or an admin's) token only: Prometheus's. */
export const METRICS_READER = tokenFor({ id: 'service:prometheus', role: 'service' });

export async function startStubs(): Promise<Stubs & { closeAll(): Promise<void> }> {
  const stubs = await Promise.all(UPSTREAMS.map((name) => startUpstreamStub(name)));
  const record = Object.fromEntries(UPSTREAMS.map((name, index) => [name, stubs[index]])) as Stubs;
  return Object.assign(record, {
    closeAll: () => Promise.all(stubs.map((stub) => stub.close())).then(() => undefined),
  });
}

/** Each upstream's URL variable (CUSTOMER_SERVICE_URL, ...) pointing at its stub. */
export function stubUrlEnv(stubs: Stubs): Record<string, string> {
  return Object.fromEntries(UPSTREAMS.map((name) => [upstreamUrlVariable(name), stubs[name].url]));
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
      ...stubUrlEnv(stubs),
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

export interface GatewayPerTest {
  /** The stubs of every upstream, shared by the tests of the block (set once `beforeAll` ran). */
  readonly stubs: StartedStubs;
  /** A gateway in front of the shared stubs, stopped after the test. */
  start(env?: Record<string, string>): Promise<RunningGateway>;
}

/**
 * Registers the hooks of a block whose tests each start their own gateway (with their own limits) over
 * one set of stubs: the stubs start once; after each test its gateways stop and every stub answers
 * 200 `{ ok: true }` again; after the block the stubs close.
 */
export function stubsWithGatewayPerTest(): GatewayPerTest {
  let stubs: StartedStubs | undefined;
  const started: RunningGateway[] = [];
  beforeAll(async () => {
    stubs = await startStubs();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((gateway) => gateway.stop()));
    for (const name of UPSTREAMS) if (stubs) stubs[name].answer = { status: 200, body: { ok: true } };
  });
  afterAll(() => stubs?.closeAll());
  const harness: GatewayPerTest = {
    get stubs() {
      if (!stubs)
        throw new Error('stubsWithGatewayPerTest: the stubs start in beforeAll; use them inside a test');
      return stubs;
    },
    async start(env = {}) {
      const gateway = await startGateway(harness.stubs, env);
      started.push(gateway);
      return gateway;
    },
  };
  return harness;
}
