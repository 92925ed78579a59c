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
