import type { Context, Next } from 'koa';
import { currentContext } from '../context/request-context.js';
import { abilityFor, type Action, type AppAbility, type SubjectType } from '../auth/abilities.js';
import { assertSingleAuthorization, type AuthUser, type TokenService } from '../auth/tokens.js';
import { forbidden, unauthorized } from '../errors/app-error.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

/**
 * Verifies a bearer token when one is sent (401 if it is bad) and records the caller on ctx.state.user and
 * in the async context. Anonymous requests pass; routes decide with `requireUser` / `authorize`.
 * Tokens that verified are remembered until their `exp` (at most 10,000), so a repeated token costs a map
 * lookup; the cached caller objects are frozen. Two Authorization lines are 400 (node would keep the first
 * silently); a token issued before a revocation of its subject (logout, role, password or email change) is
 * 401, decided from the in-memory revocation list (`tokens.revocations`), never from a database.
 */
export function authenticate(tokens: TokenService) {
  const callerOf = createVerifiedTokenCache(tokens);
  return function authenticateRequest(ctx: Context, next: Next): Promise<void> {
    const header = ctx.req.headers.authorization;
    if (header !== undefined) assertSingleAuthorization(ctx.req.rawHeaders);
    const user = header === undefined || header === '' ? undefined : callerOf(header);
    if (user !== undefined) {
      if (tokens.revocations.isRevoked(user)) throw unauthorized('Token revoked: sign in again');
      ctx.state.user = user;
      const context = currentContext();
      if (context) {
        context.userId = user.id;
        context.role = user.role;
        context.authorization = header;
      }
    }
    return next();
  };
}

/** The verified caller, or 401. */
export function requireUser(ctx: Context): AuthUser {
  const user = ctx.state.user;
  if (!user) throw unauthorized();
  return user;
}

/** The caller's ability (built once per user), or 401 when anonymous. */
export function abilityOf(ctx: Context): AppAbility {
  return abilityFor(requireUser(ctx));
}

/** Route middleware: 401 when anonymous, 403 when the role may never do `action` on `subject`. */
export function authorize(action: Action, subjectType: SubjectType) {
  return async function checkPermission(ctx: Context, next: Next): Promise<void> {
    const ability = abilityOf(ctx);
    if (!ability.can(action, subjectType)) throw forbidden();
    await next();
  };
}
