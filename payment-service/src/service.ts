import { defineService, immediateTransactor, loadMigrations } from '@shop/platform/runtime';
import { loadConfig, type PaymentConfig } from './config.js';
import { createPaymentRepository } from './data/payment-repository.js';
import { noPaymentHooks, type PaymentHooks } from './domain/payment.js';
import { createPaymentDesk } from './domain/payments.js';
import { orderEventHandlers } from './events/order-handlers.js';
import { paymentEventHooks } from './events/payment-events.js';
import { internalRoutes } from './http/internal-routes.js';
import { createPaymentTelemetry } from './http/payment-telemetry.js';
import { publicRoutes } from './http/public-routes.js';

export const SERVICE_NAME = 'payment-service';

/** What tests may replace (`startServiceForTest(paymentService, { seams })`). */
export interface PaymentSeams {
  /** Replace the outbox hooks run inside the payment transactions. */
  hooks: Partial<PaymentHooks>;
  now: () => string;
}

/** payment-service: charges and refunds, and the cancelled orders it must not charge. */
export const paymentService = defineService<PaymentConfig, PaymentSeams>({
  name: SERVICE_NAME,
  loadConfig,
  migrations: () => loadMigrations(import.meta.url),
  // A payment, once answered or acted on, survives a power loss (docs/performance.md#sqlite-durability-per-database).
  synchronous: 'GROUPED',
  compose({ db, bus, logger, registry, seams }) {
    const telemetry = createPaymentTelemetry(registry, logger);
    const desk = createPaymentDesk({
      payments: createPaymentRepository(db),
      transaction: immediateTransactor(db),
      hooks: { ...noPaymentHooks, ...paymentEventHooks(bus.outbox), ...seams.hooks },
      now: seams.now ?? (() => new Date().toISOString()),
    });
    return {
      routers: [publicRoutes(desk, telemetry), internalRoutes(desk, telemetry)],
      eventHandlers: orderEventHandlers(desk.recordOrderCancelled, logger),
    };
  },
});
