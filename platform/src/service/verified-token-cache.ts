import { bearerToken, type AuthUser, type TokenService } from '../auth/tokens.js';
import { BoundedMap } from '../collections/bounded-map.js';

interface CachedCaller {
  user: AuthUser;
  expiresAtMs: number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * Resolves an Authorization header to the verified caller, remembering headers whose token verified until
 * the token's `exp`: a client's repeated token then costs a map lookup instead of a regex, an HMAC and two
 * JSON parses. Only verified tokens are stored and never past `exp`, so nothing is accepted that
 * `verifyAccessToken` would refuse (it allows `exp` plus a clock tolerance); the key is fixed for the
 * process, so nothing else can change the verification's answer (revocations are checked on every request by
 * the authentication middleware, after this cache). At most
 * `maxEntries` are kept (the oldest goes first). The users are frozen: one object is shared by every
 * request that sends the same token.
 */
export function createVerifiedTokenCache(
  tokens: TokenService,
  maxEntries = DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
): (authorization: string) => AuthUser | undefined {
  const cache = new BoundedMap<string, CachedCaller>(maxEntries);
  return function callerOf(authorization) {
    const cached = cache.get(authorization);
    if (cached !== undefined) {
      if (cached.expiresAtMs > Date.now()) return cached.user;
      cache.delete(authorization);
    }
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const user = Object.freeze(tokens.verifyAccessToken(token));
    const expiresAtMs = expiryOf(token);
    if (expiresAtMs !== undefined && expiresAtMs > Date.now()) {
      cache.set(authorization, { user, expiresAtMs });
    }
    return user;
  };
}

/** `exp` of a token that has just been verified, in milliseconds. */
function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
