import { randomUUID } from 'node:crypto';
import { normaliseEmail, type Customer } from './customer.js';
import { invalidCredentials, invalidRefreshToken, refreshTokenReused } from './errors.js';
import type { PasswordHasher } from './password-hashing.js';
import { generateRefreshToken, hashRefreshToken } from './refresh-token.js';
import type { Clock, CustomerStore, RefreshTokenStore, RunInTransaction } from './stores.js';
import type { RevokeAccess } from './access-revocation.js';

/** Signs access tokens; the platform's TokenService is one. */
export interface AccessTokenIssuer {
  signAccessToken(user: { id: string; role: Customer['role']; email?: string }): string;
  readonly accessTokenTtlSeconds: number;
}

export interface SessionDeps {
  customers: CustomerStore;
  refreshTokens: RefreshTokenStore;
  hasher: PasswordHasher;
  accessTokens: AccessTokenIssuer;
  transaction: RunInTransaction;
  clock: Clock;
  refreshTokenTtlMs: number;
  /** Ends the account's access tokens (logout); absent in tests that do not care. */
  revokeAccess?: RevokeAccess | undefined;
  /**
   * How long after a rotation the same client may present the replaced token again and get a new pair instead
   * of a family revocation (two tabs refreshing at once). 0 turns the grace off.
   */
  refreshReuseGraceMs?: number | undefined;
}

/** REFRESH_REUSE_GRACE_SECONDS's default. */
const DEFAULT_REFRESH_REUSE_GRACE_MS = 10_000;

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Stores a new refresh token of `familyId` and signs an access token carrying the account's current role. */
function issueTokenPair(
  deps: SessionDeps,
  customer: Customer,
  familyId: string,
  now: Date,
): { pair: TokenPair; id: string } {
  const refreshToken = generateRefreshToken();
  const id = randomUUID();
  deps.refreshTokens.insert({
    id,
    tokenHash: hashRefreshToken(refreshToken),
    familyId,
    customerId: customer.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlMs).toISOString(),
  });
  const accessToken = deps.accessTokens.signAccessToken({
    id: customer.id,
    role: customer.role,
    email: customer.email,
  });
  return {
    id,
    pair: {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: deps.accessTokens.accessTokenTtlSeconds,
      refreshToken,
    },
  };
}

export async function login(
  deps: SessionDeps,
  credentials: { email: string; password: string },
): Promise<TokenPair> {
  const account = deps.customers.findCredentialsByEmail(normaliseEmail(credentials.email));
  if (!account) {
    // Same work and same answer as a wrong password, so neither timing nor body reveals which emails exist.
    await deps.hasher.verifyAgainstDummy(credentials.password);
    throw invalidCredentials();
  }
  if (!(await deps.hasher.verify(credentials.password, account.passwordHash))) throw invalidCredentials();

  const { passwordHash: _hash, ...customer } = account;
  const now = deps.clock();
  return deps.transaction(() => {
    // Housekeeping: expired tokens can no longer be used or detected as reused, so a day later they go.
    deps.refreshTokens.deleteExpired(new Date(now.getTime() - DAY_MS).toISOString());
    return issueTokenPair(deps, customer, randomUUID(), now).pair;
  });
}

type RefreshOutcome = { ok: true; pair: TokenPair } | { ok: false; reused: boolean };

/**
 * Rotation: the presented token is replaced by a new one of the same family. Presenting a token that was
 * already replaced means two parties hold the family, so the whole family is revoked (the newest token too),
 * with one exception: the same client (`client`: its address and user agent) presenting it again within the
 * grace window (`refreshReuseGraceMs`, 10 s by default) is a parallel refresh (two tabs, a retry after a lost
 * answer) and gets another pair of the same family.
 */
export async function refreshSession(
  deps: SessionDeps,
  presentedToken: string,
  client?: string,
): Promise<TokenPair> {
  const now = deps.clock();
  const nowIso = now.toISOString();
  const graceMs = deps.refreshReuseGraceMs ?? DEFAULT_REFRESH_REUSE_GRACE_MS;
  // Decided inside the transaction, thrown outside it: throwing inside would roll back the family revocation.
  const outcome = await deps.transaction((): RefreshOutcome => {
    const record = deps.refreshTokens.findByHash(hashRefreshToken(presentedToken));
    if (!record || record.expiresAt <= nowIso) return { ok: false, reused: false };
    if (record.revokedAt !== null && record.replacedBy === null) return { ok: false, reused: false };
    if (record.replacedBy !== null) {
      const withinGrace =
        graceMs > 0 &&
        record.revokedAt === null &&
        client !== undefined &&
        record.replacedByClient === client &&
        typeof record.replacedAt === 'string' &&
        now.getTime() - Date.parse(record.replacedAt) <= graceMs;
      if (!withinGrace) {
        deps.refreshTokens.revokeFamily(record.familyId, nowIso);
        return { ok: false, reused: true };
      }
    }
    const customer = deps.customers.findById(record.customerId);
    if (!customer) return { ok: false, reused: false };
    const next = issueTokenPair(deps, customer, record.familyId, now);
    // Within the grace window the token keeps its first replacement's time: the window never slides.
    if (record.replacedBy === null) deps.refreshTokens.markReplaced(record.id, next.id, nowIso, client);
    return { ok: true, pair: next.pair };
  });
  if (!outcome.ok) throw outcome.reused ? refreshTokenReused() : invalidRefreshToken();
  return outcome.pair;
}

/** Revokes the family of `refreshToken`, which must belong to `customerId`. Repeating it is harmless. */
export async function logout(
  deps: SessionDeps,
  request: { customerId: string; refreshToken: string },
): Promise<void> {
  await deps.transaction(() => {
    const record = deps.refreshTokens.findByHash(hashRefreshToken(request.refreshToken));
    // Someone else's token is treated as unknown: it is neither revoked nor confirmed to exist.
    if (!record || record.customerId !== request.customerId) throw invalidRefreshToken();
    deps.refreshTokens.revokeFamily(record.familyId, deps.clock().toISOString());
    // The access tokens end too: every one of the account issued before now (other devices refresh).
    deps.revokeAccess?.(request.customerId, 'logout');
  });
}
