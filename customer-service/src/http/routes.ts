import type { Router } from '@koa/router';
import type { Logger, Registry } from '@shop/platform/runtime';
import type { CustomerDependencies } from '../domain/use-cases.js';
import { authRoutes } from './auth-routes.js';
import { customerRoutes } from './customer-routes.js';
import { internalRoutes } from './internal-routes.js';
import { securityRoutes } from './security-routes.js';

export function createRouters(domain: CustomerDependencies, logger: Logger, registry: Registry): Router[] {
  // securityRoutes first: its budgets run ahead of /auth/login and /auth/register.
  return [
    securityRoutes(domain),
    authRoutes({ domain, logger, registry }),
    customerRoutes(domain),
    internalRoutes(domain),
  ];
}
