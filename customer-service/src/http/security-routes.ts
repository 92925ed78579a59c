import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { assertAllowed, forbidden, requireUser, z } from '@shop/platform/runtime';
import type { AuthBudgets, RevocationStore } from '../domain/security-ports.js';
import { changePassword, type CredentialDeps } from '../domain/credentials.js';
import { isRecord, parseInput } from './validation.js';
import { passwordChangeBody } from '@shop/platform/api-contract';

export interface SecurityRouteDeps extends CredentialDeps {
  revocationStore: RevocationStore;
  budgets?: AuthBudgets | undefined;
  /**
   * The client a request comes from: the address the gateway vouched for (`X-Forwarded-Client`, signed with
   * the platform key), else the socket's address. A caller that reaches the service directly cannot pick it.
   */
  clientAddress: (ctx: Context) => string;
}

const MAX_EMAIL_KEY_LENGTH = 320;
const feedQuery = z.strictObject({ after: z.coerce.number().int().min(0).default(0) });

/**
 * Brute-force and registration budgets ahead of /auth/login and /auth/register (kept in the database or
 * Redis, so every replica shares them); the password change; the internal revocation feed.
 */
export function securityRoutes(deps: SecurityRouteDeps): Router {
  const router = new Router();
  const budgets = deps.budgets;

  if (budgets !== undefined) {
    router.post('/auth/login', async (ctx: Context, next: Next) => {
      const client = deps.clientAddress(ctx);
      const email = loginEmail(ctx.request.body);
      const outcomes = await Promise.all([
        budgets.loginIp.consume(client),
        ...(email === undefined ? [] : [budgets.loginEmail.consume(email)]),
      ]);
      for (const outcome of outcomes)
        assertAllowed(outcome, 'rate_limited', 'Too many login attempts, retry later');
      await next();
      if (ctx.status === 200) {
        // A login that succeeded does not count against its client, and clears its e-mail's failures.
        await budgets.loginIp.refund(client);
        if (email !== undefined) await budgets.loginEmail.reset(email);
      }
    });
    router.post('/auth/register', async (ctx: Context, next: Next) => {
      assertAllowed(
        await budgets.register.consume(deps.clientAddress(ctx)),
        'rate_limited',
        'Too many registrations from this client, retry later',
      );
      await next();
    });
  }

  router.put('/api/customers/me/password', async (ctx) => {
    const user = requireUser(ctx);
    const body = parseInput(passwordChangeBody, ctx.request.body);
    await changePassword(deps, {
      customerId: user.id,
      currentPassword: body.currentPassword,
      newPassword: body.newPassword,
    });
    ctx.status = 204;
  });

  // The revocation feed: every revocation still in force after the cursor. Role `service` only; the gateway
  // never routes /internal, and the network policies let only the platform's pods reach this port.
  router.get('/internal/revocations', (ctx) => {
    if (requireUser(ctx).role !== 'service') throw forbidden();
    const { after } = parseInput(feedQuery, ctx.query, 'query');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.revocationStore.pageAfter(after, Date.now());
  });

  return router;
}

function loginEmail(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.email !== 'string') return undefined;
  const key = body.email.trim().toLowerCase();
  return key === '' ? undefined : key.slice(0, MAX_EMAIL_KEY_LENGTH);
}
