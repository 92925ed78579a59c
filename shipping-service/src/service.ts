import { defineService, immediateTransactor, loadMigrations, OWNER_LOOKUP } from '@shop/platform/runtime';
import { loadConfig, type ShippingConfig } from './config.js';
import { createCancelledOrderRepository } from './data/cancelled-order-repository.js';
import { createShipmentRepository } from './data/shipment-repository.js';
import { createShipping, type Shipping } from './domain/shipping.js';
import { shippingEventHandlers } from './events/handlers.js';
import { outboxShipmentEvents } from './events/shipment-events.js';
import { shipmentRoutes } from './http/routes.js';
import { shipmentMetrics } from './shipment-metrics.js';
import { orderDirectory } from './upstream/order-directory.js';

export const SERVICE_NAME = 'shipping-service';

/** What tests may replace (`startServiceForTest(shippingService, { seams })`). */
export interface ShippingSeams {
  now: () => Date;
}

/** shipping-service: a shipment for every confirmed order, cancelled with the order, tracked to delivery. */
export const shippingService = defineService<ShippingConfig, ShippingSeams, Shipping>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  compose({ db, bus, logger, registry, tokens, seams, upstreamClient }, config) {
    const orderClient = upstreamClient({
      name: 'order-service',
      baseUrl: config.ORDER_SERVICE_URL,
      timeoutMs: config.ORDER_LOOKUP_TIMEOUT_MS,
      ...OWNER_LOOKUP, // a consumer's lookup: no breaker, the bus's retries pace it
    });
    const shipping = createShipping({
      shipments: createShipmentRepository(db),
      cancelledOrders: createCancelledOrderRepository(db),
      events: outboxShipmentEvents(bus.outbox),
      transaction: immediateTransactor(db),
      now: seams.now ?? (() => new Date()),
    });
    const metrics = shipmentMetrics(registry);
    const orders = orderDirectory(orderClient, tokens, SERVICE_NAME);
    return {
      routers: [shipmentRoutes(shipping, metrics)],
      eventHandlers: shippingEventHandlers(shipping, logger, metrics, orders),
      exposed: shipping,
    };
  },
});
