import { createHash } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { counter, isAppError, requireUser, type Logger, type Registry } from '@shop/platform/runtime';
import { toProfile } from '../domain/customer.js';
import { assertSelfAssignableRole, registerCustomer, type RegistrationDeps } from '../domain/registration.js';
import { login, logout, refreshSession, type SessionDeps, type TokenPair } from '../domain/sessions.js';
import { loginBody, refreshTokenBody, registerBody } from './schemas.js';
import { isRecord, parseInput } from './validation.js';

export interface AuthRouteDeps {
  domain: RegistrationDeps & SessionDeps & { clientAddress?: (ctx: Context) => string };
  logger: Logger;
  registry: Registry;
}

// Token responses must never be cached by browsers or proxies (RFC 6749 §5.1).
function sendTokens(ctx: Context, pair: TokenPair): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.body = pair;
}

export function authRoutes({ domain, logger, registry }: AuthRouteDeps): Router {
  const router = new Router({ prefix: '/auth' });
  const registrations = counter(registry, {
    name: 'customer_registrations_total',
    help: 'Accounts registered',
  });
  const logins = counter(registry, {
    name: 'auth_logins_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
  });
  const reuse = counter(registry, {
    name: 'refresh_token_reuse_total',
    help: 'Rotated refresh tokens presented again (their family was revoked)',
  });

  router.post('/register', async (ctx) => {
    const body = ctx.request.body;
    // The role is judged before anything else: asking for admin is 403 whatever else is wrong.
    assertSelfAssignableRole(isRecord(body) ? body.role : undefined);
    const input = parseInput(registerBody, body);
    const customer = await registerCustomer(domain, input);
    registrations.inc();
    logger.info('customer registered', { customerId: customer.id });
    ctx.status = 201;
    ctx.set('Location', '/api/customers/me');
    ctx.body = toProfile(customer);
  });

  router.post('/login', async (ctx) => {
    const credentials = parseInput(loginBody, ctx.request.body);
    try {
      sendTokens(ctx, await login(domain, credentials));
      logins.inc({ outcome: 'success' });
    } catch (error) {
      if (isAppError(error) && error.code === 'invalid_credentials')
        logins.inc({ outcome: 'invalid_credentials' });
      throw error;
    }
  });

  router.post('/refresh', async (ctx) => {
    const { refreshToken } = parseInput(refreshTokenBody, ctx.request.body);
    try {
      sendTokens(
        ctx,
        await refreshSession(domain, refreshToken, refreshingClient(ctx, domain.clientAddress)),
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'refresh_token_reused') {
        reuse.inc();
        logger.warn('refresh token reuse detected: token family revoked');
      }
      throw error;
    }
  });

  router.post('/logout', async (ctx) => {
    const user = requireUser(ctx);
    const { refreshToken } = parseInput(refreshTokenBody, ctx.request.body);
    await logout(domain, { customerId: user.id, refreshToken });
    ctx.status = 204;
  });

  return router;
}

/** Who refreshes: the client's address and user agent, hashed (the parallel-refresh grace is per client). */
function refreshingClient(ctx: Context, clientAddress: ((ctx: Context) => string) | undefined): string {
  const address = clientAddress?.(ctx) ?? ctx.socket.remoteAddress ?? 'unknown';
  return createHash('sha256')
    .update(`${address}\n${ctx.get('User-Agent')}`)
    .digest('base64url');
}
