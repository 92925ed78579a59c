import {
  checkDatabase,
  counter,
  createService,
  type Db,
  type Logger,
  type Registry,
  type Service,
  type TokenService,
} from '@shop/platform';
import { immediateTransactor, paymentMigrations } from './data/database.js';
import { createPaymentRepository } from './data/payment-repository.js';
import { noPaymentHooks, type PaymentHooks } from './domain/payment.js';
import { createPaymentDesk } from './domain/payments.js';
import { internalRoutes } from './http/internal-routes.js';
import { PAYMENT_OUTCOMES } from './http/outcomes.js';
import { publicRoutes } from './http/public-routes.js';

export const SERVICE_NAME = 'payment-service';

export interface PaymentServiceDeps {
  db: Db;
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  /** Event hooks run inside the payment transactions (the outbox plugs in here); no-ops by default. */
  hooks?: Partial<PaymentHooks>;
  bodyLimitBytes?: number;
  chaosEnabled?: boolean;
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
    hooks: { ...noPaymentHooks, ...deps.hooks },
    now: deps.now ?? (() => new Date().toISOString()),
  });
  const migrations = paymentMigrations();

  return createService({
    name: SERVICE_NAME,
    logger,
    registry,
    tokens,
    routers: [publicRoutes(desk, outcomes), internalRoutes(desk, outcomes)],
    readiness: { db: () => checkDatabase(db, migrations) },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
