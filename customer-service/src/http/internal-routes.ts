import { Router } from '@koa/router';
import { abilityOf, forbidden } from '@shop/platform/runtime';
import { subject, canActOnEveryRow } from '@shop/platform/contracts';
import { customerContact, type AdministrationDeps } from '../domain/administration.js';
import { customerIdParam } from './schemas.js';
import { parseInput } from './validation.js';

/** Service-to-service routes (role service or admin); the gateway never routes /internal. */
export function internalRoutes(domain: Pick<AdministrationDeps, 'customers'>): Router {
  const router = new Router({ prefix: '/internal' });

  router.get('/customers/:id', (ctx) => {
    const ability = abilityOf(ctx);
    if (!canActOnEveryRow(ability, 'read', 'Customer')) throw forbidden();
    const id = parseInput(customerIdParam, ctx.params.id, 'customer id');
    ctx.body = customerContact(domain, id, (row) => ability.can('read', subject('Customer', { ...row })));
  });

  return router;
}
