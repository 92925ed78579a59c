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
