/**
 * The one list of the platform's services. Everything else that names them is derived from it or checked
 * against it by ops-tests/test/service-list.test.ts: the launcher's map (scripts/lib/services.mjs), the
 * gateway's upstreams, package.json workspaces, vitest projects, tsconfig references, the Dockerfile,
 * docker-compose.yml and each service's default port.
 */
/** notification-service's second queue: its analytics module counts business events there. */
export const ANALYTICS_QUEUE = 'notification-service.analytics';

export const SERVICES = [
  {
    name: 'api-gateway',
    port: 8080,
    database: false,
    urlVariable: undefined,
    upstreams: [
      'customer-service',
      'inventory-service',
      'order-service',
      'payment-service',
      'shipping-service',
      'notification-service',
    ],
    queues: [],
  },
  {
    name: 'customer-service',
    port: 5001,
    database: true,
    urlVariable: 'CUSTOMER_SERVICE_URL',
    upstreams: [],
    queues: [],
  },
  {
    name: 'inventory-service',
    port: 5002,
    database: true,
    urlVariable: 'INVENTORY_SERVICE_URL',
    upstreams: [],
    queues: [],
  },
  {
    name: 'order-service',
    port: 5003,
    database: true,
    urlVariable: 'ORDER_SERVICE_URL',
    upstreams: ['inventory-service', 'payment-service'],
    queues: ['order-service'],
  },
  {
    name: 'payment-service',
    port: 5004,
    database: true,
    urlVariable: 'PAYMENT_SERVICE_URL',
    upstreams: [],
    queues: ['payment-service'],
  },
  {
    name: 'shipping-service',
    port: 5005,
    database: true,
    urlVariable: 'SHIPPING_SERVICE_URL',
    upstreams: ['order-service'],
    queues: ['shipping-service'],
  },
  {
    name: 'notification-service',
    port: 5006,
    database: true,
    urlVariable: 'NOTIFICATION_SERVICE_URL',
    upstreams: ['customer-service', 'order-service', 'payment-service'],
    queues: ['notification-service', ANALYTICS_QUEUE],
  },
] as const satisfies readonly ServiceEntry[];

export interface ServiceEntry {
  /** The workspace directory, the process, the log `service.name`, the queue, compose and k8s name. */
  name: string;
  /** The default port (the launcher adds SHOP_PORT_OFFSET). */
  port: number;
  /** Owns `<DATA_DIR>/<name>.db` and an event bus (every service but the gateway). */
  database: boolean;
  /** The variable other services read its base URL from. */
  urlVariable: string | undefined;
  /** The services it calls over HTTP (their `urlVariable`s are in its config). */
  upstreams: readonly string[];
  /** The queues it consumes events from (the main one is named after the service); empty: it consumes none. */
  queues: readonly string[];
}

export type ServiceName = (typeof SERVICES)[number]['name'];

/** A service that owns a database and an event bus: every service but the gateway. */
export type DataServiceName = Extract<(typeof SERVICES)[number], { database: true }>['name'];

/** Every service's name, in the list's order (the gateway first). */
export const SERVICE_NAMES: readonly ServiceName[] = SERVICES.map((service) => service.name);

/** The data services' names, in the list's order. */
export const DATA_SERVICES: readonly DataServiceName[] = SERVICES.flatMap((service) =>
  service.database ? [service.name] : [],
);

/** Every consumer queue of the platform, with the service that consumes it (dead letters, drains, replay). */
export const CONSUMER_QUEUES: readonly { service: DataServiceName; queue: string }[] = SERVICES.flatMap(
  (service) => (service.database ? service.queues.map((queue) => ({ service: service.name, queue })) : []),
);

/** The workspaces besides the services, in the order package.json lists them. */
export const LIBRARY_WORKSPACES = ['platform'] as const;
const TOOL_WORKSPACES = ['resilience-tests', 'load-generator', 'bench', 'ops-tests'] as const;

/** Every workspace: platform, the services, the tools (package.json, vitest, tsconfig references). */
export const WORKSPACES: readonly string[] = [
  ...LIBRARY_WORKSPACES,
  ...SERVICES.map((service) => service.name),
  ...TOOL_WORKSPACES,
];

/** The entry of one service, typed as precisely as the list declares it. */
export type ServiceNamed<N extends ServiceName> = Extract<(typeof SERVICES)[number], { name: N }>;

export function serviceNamed<N extends ServiceName>(name: N): ServiceNamed<N> {
  return SERVICES.find((service) => service.name === name) as ServiceNamed<N>;
}
