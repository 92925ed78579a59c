import {
  checkDatabase,
  counter,
  createService,
  type Outbox,
  type Service,
  immediateTransactor,
  type ServiceAppDeps,
} from '@shop/platform';
import { paymentMigrations } from './data/database.js';
import { createPaymentRepository } from './data/payment-repository.js';
import { noPaymentHooks, type PaymentHooks } from './domain/payment.js';
import { createPaymentDesk } from './domain/payments.js';
import { internalRoutes } from './http/internal-routes.js';
import { PAYMENT_OUTCOMES } from './http/outcomes.js';
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

export function createApp(deps: PaymentServiceDeps): Service {
  const { db, logger, registry, tokens } = deps;
  const outcomes = counter(registry, {
    name: 'payments_total',
    help: 'Payment state changes by outcome',
    labelNames: ['outcome'] as const,
  });
  for (const outcome of PAYMENT_OUTCOMES) outcomes.inc({ outcome }, 0);

  const desk = createPaymentDesk({
    payments: createPaymentRepository(db),
    transaction: immediateTransactor(db),
    hooks: { ...noPaymentHooks, ...(deps.outbox && paymentEventHooks(deps.outbox)), ...deps.hooks },
    now: deps.now ?? (() => new Date().toISOString()),
  });
  const migrations = paymentMigrations();

  return createService({
    name: SERVICE_NAME,
    logger,
    registry,
    tokens,
    routers: [publicRoutes(desk, outcomes), internalRoutes(desk, outcomes)],
    readiness: {
      db: () => checkDatabase(db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
