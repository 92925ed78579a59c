import { checkDatabase, createService, type Service, type ServiceAppDeps } from '@shop/platform';
import { shippingMigrations } from './data/database.js';
import type { Shipping } from './domain/shipping.js';
import { shipmentRoutes } from './http/routes.js';
import type { ShipmentMetrics } from './shipment-metrics.js';

export const SERVICE_NAME = 'shipping-service';

export interface ShippingAppDeps extends ServiceAppDeps {
  shipping: Shipping;
  metrics: ShipmentMetrics;
}

export function createApp(deps: ShippingAppDeps): Service {
  const migrations = shippingMigrations();
  return createService({
    name: SERVICE_NAME,
    logger: deps.logger,
    registry: deps.registry,
    tokens: deps.tokens,
    routers: [shipmentRoutes(deps.shipping, deps.metrics)],
    database: deps.db,
    readiness: {
      db: () => checkDatabase(deps.db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
