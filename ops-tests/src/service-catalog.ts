/** The deployable services and their ports (docs/architecture.md#ports-and-run-modes); compose and k8s names equal these names. */
export interface ServiceSpec {
  name: string;
  port: number;
  /** The upstream-URL variable other services use to reach it, e.g. CUSTOMER_SERVICE_URL. */
  urlVariable: string | undefined;
}

export const SERVICES: readonly ServiceSpec[] = [
  { name: 'api-gateway', port: 8080, urlVariable: undefined },
  { name: 'customer-service', port: 5001, urlVariable: 'CUSTOMER_SERVICE_URL' },
  { name: 'inventory-service', port: 5002, urlVariable: 'INVENTORY_SERVICE_URL' },
  { name: 'order-service', port: 5003, urlVariable: 'ORDER_SERVICE_URL' },
  { name: 'payment-service', port: 5004, urlVariable: 'PAYMENT_SERVICE_URL' },
  { name: 'shipping-service', port: 5005, urlVariable: 'SHIPPING_SERVICE_URL' },
  { name: 'notification-service', port: 5006, urlVariable: 'NOTIFICATION_SERVICE_URL' },
];

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
