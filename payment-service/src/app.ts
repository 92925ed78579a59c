import {
  checkDatabase,
  createService,
  type Outbox,
  type Service,
  immediateTransactor,
  type ServiceAppDeps,
} from '@shop/platform';
import { paymentMigrations } from './data/database.js';
import { createPaymentRepository } from './data/payment-repository.js';
import { noPaymentHooks, type OrderCancellation, type PaymentHooks } from './domain/payment.js';
import { createPaymentDesk } from './domain/payments.js';
import { internalRoutes } from './http/internal-routes.js';
import { createPaymentTelemetry } from './http/payment-telemetry.js';
import { publicRoutes } from './http/public-routes.js';
import { paymentEventHooks } from './events/payment-events.js';

export const SERVICE_NAME = 'payment-service';

export interface PaymentServiceDeps extends ServiceAppDeps {
  /** The event bus outbox: the state-changing transactions write their events into it. */
  outbox?: Outbox;
  /** Replace the outbox hooks run inside the transactions (tests); no-ops without an outbox. */
  hooks?: Partial<PaymentHooks>;
  now?: () => string;
}

export interface PaymentServiceApp extends Service {
  /** OrderCancelled (src/events/order-handlers.ts): remembered, to refuse later charges for the order. */
  recordOrderCancelled: (cancelled: OrderCancellation) => void;
}

export function createApp(deps: PaymentServiceDeps): PaymentServiceApp {
  const { db, logger, registry, tokens } = deps;
  const telemetry = createPaymentTelemetry(registry, logger);

  const desk = createPaymentDesk({
    payments: createPaymentRepository(db),
    transaction: immediateTransactor(db),
    hooks: { ...noPaymentHooks, ...(deps.outbox && paymentEventHooks(deps.outbox)), ...deps.hooks },
    now: deps.now ?? (() => new Date().toISOString()),
  });
  const migrations = paymentMigrations();

  const service = createService({
    name: SERVICE_NAME,
    logger,
    registry,
    tokens,
    routers: [publicRoutes(desk, telemetry), internalRoutes(desk, telemetry)],
    database: db,
    readiness: {
      db: () => checkDatabase(db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
  return Object.assign(service, { recordOrderCancelled: desk.recordOrderCancelled });
}
