import { checkDatabase, createService, type Service, type ServiceAppDeps } from '@shop/platform';
import { notificationMigrations } from './data/database.js';
import type { Notifier } from './domain/notifier.js';
import { notificationRoutes } from './http/routes.js';

export const SERVICE_NAME = 'notification-service';

export interface NotificationAppDeps extends ServiceAppDeps {
  notifier: Notifier;
}

export function createApp(deps: NotificationAppDeps): Service {
  const migrations = notificationMigrations();
  return createService({
    name: SERVICE_NAME,
    logger: deps.logger,
    registry: deps.registry,
    tokens: deps.tokens,
    routers: [notificationRoutes(deps.notifier)],
    database: deps.db,
    readiness: {
      db: () => checkDatabase(deps.db, migrations),
      ...(deps.brokerReadiness && { broker: deps.brokerReadiness }),
    },
    bodyLimitBytes: deps.bodyLimitBytes,
    chaosEnabled: deps.chaosEnabled,
  });
}
