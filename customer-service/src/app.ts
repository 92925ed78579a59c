import {
  checkDatabase,
  createService,
  type Db,
  type Logger,
  type Migration,
  type ReadinessCheck,
  type Registry,
  type Service,
  type TokenService,
} from '@shop/platform';
import type { CustomerDependencies } from './dependencies.js';
import { createRouters } from './http/routes.js';

export interface AppDeps {
  logger: Logger;
  registry: Registry;
  tokens: TokenService;
  db: Db;
  migrations: Migration[];
  domain: CustomerDependencies;
  /** The event bus readiness check (`ServiceBus.readiness`), shown as `broker`. */
  brokerReadiness?: ReadinessCheck;
  bodyLimitBytes?: number;
  chaosEnabled?: boolean;
}

export function createApp(deps: AppDeps): Service {
  return createService({
    name: 'customer-service',
    logger: deps.logger,
    registry: deps.registry,
    tokens: deps.tokens,
    routers: createRouters(deps.domain, deps.logger, deps.registry),
    database: deps.db,
    readiness: {
      db: () => checkDatabase(deps.db, deps.migrations),
      ...(deps.brokerReadiness === undefined ? {} : { broker: deps.brokerReadiness }),
    },
    ...(deps.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: deps.bodyLimitBytes }),
    ...(deps.chaosEnabled === undefined ? {} : { chaosEnabled: deps.chaosEnabled }),
  });
}
