import {
  checkDatabase,
  createService,
  type Db,
  type Logger,
  type ReadinessCheck,
  type Registry,
  type Service,
  type TokenService,
} from '@shop/platform';
import { shippingMigrations } from './data/database.js';
import type { Shipping } from './domain/shipping.js';
import { shipmentRoutes } from './http/routes.js';
import type { ShipmentMetrics } from './shipment-metrics.js';

export const SERVICE_NAME = 'shipping-service';

export interface ShippingAppDeps {
  db: Db;
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  shipping: Shipping;
  metrics: ShipmentMetrics;
  /** The event bus readiness check (`ServiceBus.readiness`), shown as `broker`. */
  brokerReadiness?: ReadinessCheck;
  bodyLimitBytes?: number;
  chaosEnabled?: boolean;
}

export function createApp(deps: ShippingAppDeps): Service {
  const migrations = shippingMigrations();
  return createService({
    name: SERVICE_NAME,
    logger: deps.logger,
    registry: deps.registry,
    tokens: deps.tokens,
    routers: [shipmentRoutes(deps.shipping, deps.metrics)],
    readiness: {
      db: () => checkDatabase(deps.db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
