import { SERVICES as SERVICE_LIST } from '@shop/platform/contracts';
/** The deployable services and their ports (docs/architecture.md#ports-and-run-modes); compose and k8s names equal these names. */
export interface ServiceSpec {
  name: string;
  port: number;
  /** The upstream-URL variable other services use to reach it, e.g. CUSTOMER_SERVICE_URL. */
  urlVariable: string | undefined;
}

/** From the one service list (platform/src/contracts/services.ts). */
export const SERVICES: readonly ServiceSpec[] = SERVICE_LIST.map(({ name, port, urlVariable }) => ({
  name,
  port,
  urlVariable,
}));

export const INFRA_PORTS = {
  rabbitmq: 5672,
  rabbitmqManagement: 15672,
  redis: 6379,
  prometheus: 9090,
  grafana: 3000,
  elasticsearch: 9200,
  kibana: 5601,
  logstashBeats: 5044,
} as const;

/**
 * Which services each service calls over HTTP, read from the code: the `<NAME>_SERVICE_URL` settings its
 * `src/config.ts` declares (every upstream client is built from one). The gateway calls all of them.
 */
export function serviceCallsFromCode(readText: (relativePath: string) => string): Record<string, string[]> {
  const calls: Record<string, string[]> = {};
  for (const spec of SERVICES) {
    const source = readText(`${spec.name}/src/config.ts`);
    const callees = SERVICES.filter(
      (callee) =>
        callee.urlVariable !== undefined &&
        callee.name !== spec.name &&
        new RegExp(`\\b${callee.urlVariable}\\s*:`).test(source),
    ).map((callee) => callee.name);
    if (callees.length > 0) calls[spec.name] = callees;
  }
  return calls;
}

/** The variable the revocation feed's URL is built from (platform/src/auth/revocation-feed.ts). */
const REVOCATION_FEED_URL_VARIABLE = 'CUSTOMER_SERVICE_URL';

/**
 * The revocation feed, read from the code: its owner is the service other services reach through
 * REVOCATION_FEED_URL_VARIABLE, and every process polls `<that URL>/internal/revocations` unless its
 * `src/config.ts` turns REVOCATION_FEED_URL off by default (`z.string().default('')`, the owner itself)
 * or `env` sets it empty.
 */
export function revocationFeedFromCode(
  readText: (relativePath: string) => string,
  env: (service: string) => Readonly<Record<string, string | undefined>> = () => ({}),
): { owner: string; pollers: string[] } {
  const owner = SERVICES.find((spec) => spec.urlVariable === REVOCATION_FEED_URL_VARIABLE)?.name;
  if (owner === undefined) throw new Error(`no service is reached through ${REVOCATION_FEED_URL_VARIABLE}`);
  const feed = readText('platform/src/auth/revocation-feed.ts');
  if (!feed.includes(REVOCATION_FEED_URL_VARIABLE) || !feed.includes('/internal/revocations'))
    throw new Error(
      `the revocation feed is no longer <${REVOCATION_FEED_URL_VARIABLE}>/internal/revocations`,
    );
  const pollers = SERVICES.filter((spec) => {
    const offByDefault = /\bREVOCATION_FEED_URL\s*:\s*z\.string\(\)\.default\(''\)/.test(
      readText(`${spec.name}/src/config.ts`),
    );
    const configured = env(spec.name).REVOCATION_FEED_URL;
    return configured === undefined ? !offByDefault : configured !== '';
  }).map((spec) => spec.name);
  return { owner, pollers };
}

/**
 * The port on which a process answers GET /metrics without a token, from its environment and code:
 * METRICS_PORT when set (platform/src/service/metrics-exposure.ts); otherwise its HTTP port, unless its
 * `src/service.ts` guards that port (`metricsOnHttpPort: 'authenticated'`, the gateway): then none.
 */
export function tokenFreeMetricsPort(
  service: string,
  env: Readonly<Record<string, string | undefined>>,
  readText: (relativePath: string) => string,
): number | undefined {
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== '') return Number(env.METRICS_PORT);
  const guarded = /metricsOnHttpPort\s*:\s*'authenticated'/.test(readText(`${service}/src/service.ts`));
  if (guarded) return undefined;
  const port = env.PORT ?? SERVICES.find((spec) => spec.name === service)?.port;
  return port === undefined ? undefined : Number(port);
}
