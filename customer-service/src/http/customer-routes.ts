import { Router } from '@koa/router';
import { abilityOf, forbidden, requireUser } from '@shop/platform/runtime';
import { subject, canActOnEveryRow } from '@shop/platform/contracts';
import { changeRole, listCustomers, type AdministrationDeps } from '../domain/administration.js';
import { toProfile } from '../domain/customer.js';
import { getProfile, updateProfile, type ProfileDeps } from '../domain/profile.js';
import {
  currentPasswordRequired,
  endSessionsAfterEmailChange,
  verifyCurrentPassword,
  type CredentialDeps,
} from '../domain/credentials.js';
import { normaliseEmail } from '../domain/customer.js';
import { customerIdParam, listQuery, profileChangesBody, roleChangeBody } from './schemas.js';
import { parseInput } from './validation.js';

export function customerRoutes(domain: ProfileDeps & AdministrationDeps & CredentialDeps): Router {
  const router = new Router({ prefix: '/api/customers' });

  router.get('/me', (ctx) => {
    const user = requireUser(ctx);
    const ability = abilityOf(ctx);
    const customer = getProfile(domain, user.id, (row) =>
      ability.can('read', subject('Customer', { ...row })),
    );
    ctx.body = toProfile(customer);
  });

  router.patch('/me', async (ctx) => {
    const user = requireUser(ctx);
    const ability = abilityOf(ctx);
    const { currentPassword, ...changes } = parseInput(profileChangesBody, ctx.request.body);
    // A new email takes over the account's notices and sign-in: only with the current password, and every
    // session of the account ends with it.
    const current = domain.customers.findById(user.id);
    const emailChanges =
      changes.email !== undefined && current !== undefined && normaliseEmail(changes.email) !== current.email;
    if (emailChanges) {
      if (currentPassword === undefined) throw currentPasswordRequired();
      await verifyCurrentPassword(domain, user.id, currentPassword);
    }
    const customer = await updateProfile(domain, {
      customerId: user.id,
      changes,
      mayUpdate: (row, field) => ability.can('update', subject('Customer', { ...row }), field),
      onEmailChanged: (id) => endSessionsAfterEmailChange(domain, id),
    });
    ctx.body = toProfile(customer);
  });

  router.get('/', (ctx) => {
    if (!canActOnEveryRow(abilityOf(ctx), 'read', 'Customer')) throw forbidden();
    const query = parseInput(listQuery, ctx.query, 'query');
    ctx.body = listCustomers(domain, { page: query.page, limit: query.limit, search: query.q });
  });

  router.patch('/:id/role', async (ctx) => {
    const ability = abilityOf(ctx);
    if (!ability.can('update', 'Customer', 'role')) throw forbidden();
    const id = parseInput(customerIdParam, ctx.params.id, 'customer id');
    const { role } = parseInput(roleChangeBody, ctx.request.body);
    const customer = await changeRole(domain, {
      customerId: id,
      role,
      mayChangeRole: (row) => ability.can('update', subject('Customer', { ...row }), 'role'),
    });
    ctx.body = toProfile(customer);
  });

  return router;
}
