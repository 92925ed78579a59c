import type { Router } from '@koa/router';
import type { Logger, Registry } from '@shop/platform/runtime';
import type { CustomerDependencies } from '../domain/use-cases.js';
import { authRoutes } from './auth-routes.js';
import { customerRoutes } from './customer-routes.js';
import { internalRoutes } from './internal-routes.js';

export function createRouters(domain: CustomerDependencies, logger: Logger, registry: Registry): Router[] {
  return [authRoutes({ domain, logger, registry }), customerRoutes(domain), internalRoutes(domain)];
}
