import { createHmac, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError, unauthorized } from '../errors/app-error.js';
import { ConfigError } from '../config/config.js';
import { BoundedMap } from '../collections/bounded-map.js';
import { RevocationList } from './revocations.js';

export type Role = 'customer' | 'admin' | 'service';
export const ROLES: readonly Role[] = ['customer', 'admin', 'service'];

/** Who is calling, as established from a verified access token. */
export interface AuthUser {
  id: string;
  role: Role;
  email?: string | undefined;
  /** When the token was issued (ms; from `iat_ms`, else `iat`): revocations refuse tokens issued before them. */
  issuedAtMs?: number | undefined;
}

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds?: number;
  /**
   * The longest an access token may live (`exp - iat`), and the oldest `iat` accepted, whatever its `exp`
   * says (default 900 s). ACCESS_TOKEN_TTL_SECONDS may not exceed it.
   */
  maxLifetimeSeconds?: number;
  /** Clock skew allowed on `exp`, `nbf` and a future `iat` (default 5 s). */
  clockToleranceSeconds?: number;
}

const ALGORITHM = 'HS256';
export const DEFAULT_MAX_LIFETIME_SECONDS = 900;
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** Client addresses whose `X-Forwarded-Client` value a token service remembers (the oldest goes first). */
export const SIGNED_ADDRESSES_KEPT = 10_000;

export interface TokenService {
  signAccessToken(user: AuthUser, ttlSeconds?: number): string;
  /** A short-lived token with role `service` for service-to-service calls. */
  signServiceToken(serviceName: string): string;
  verifyAccessToken(token: string): AuthUser;
  readonly accessTokenTtlSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly clockToleranceSeconds: number;
  /** Revocations known to this process (fed by the revocation feed); authentication refuses what it lists. */
  readonly revocations: RevocationList;
  /**
   * The gateway's `X-Forwarded-Client` value for a client address: the address and an HMAC of it under the
   * platform key, so a service can key per-client budgets on the real client of a request the gateway relayed,
   * and a caller who reaches the service directly cannot claim another address.
   */
  signClientAddress(address: string): string;
  /** The address of a genuine `X-Forwarded-Client` value; undefined when absent or forged. */
  clientAddressFrom(value: string | undefined): string | undefined;
}

/**
 * Signs and verifies access tokens. The key is built once as a KeyObject: jsonwebtoken given a string
 * secret re-derives the key on every verify (~340 µs), with a KeyObject it is ~6 µs (docs/architecture.md#performance).
 * The algorithm is pinned; `iss`, `aud`, `exp` and `nbf` are checked by jsonwebtoken; `iat` is required
 * and must be neither in the future (beyond the clock tolerance) nor older than the maximum lifetime, and no
 * token may live longer than that lifetime (`exp - iat`), so a stolen long-lived token is worthless.
 */
export function createTokenService(settings: TokenSettings): TokenService {
  const key: KeyObject = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  const ttl = settings.accessTokenTtlSeconds ?? 900;
  const maxLifetime = settings.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  const tolerance = settings.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (ttl > maxLifetime) {
    throw new ConfigError(
      `Invalid configuration: ACCESS_TOKEN_TTL_SECONDS (${ttl}) exceeds ACCESS_TOKEN_MAX_LIFETIME_SECONDS (${maxLifetime})`,
    );
  }
  const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
    algorithms: [ALGORITHM],
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: tolerance,
  };
  const revocations = new RevocationList();

  const addressMac = (address: string): Buffer =>
    createHmac('sha256', key).update(`client-address:${address}`).digest();
  // The gateway vouches for the address of every request it relays: an HMAC each time measured at ~3 % of its
  // CPU per request. The value depends only on the address (the key is fixed for the process), so it is
  // remembered for the most recent SIGNED_ADDRESSES_KEPT addresses.
  const signedAddresses = new BoundedMap<string, string>(SIGNED_ADDRESSES_KEPT);

  return {
    signClientAddress(address) {
      const known = signedAddresses.get(address);
      if (known !== undefined) return known;
      const signed = `${address};${addressMac(address).toString('base64url')}`;
      signedAddresses.set(address, signed);
      return signed;
    },
    clientAddressFrom(value) {
      if (value === undefined || value.length > 200) return undefined;
      const separator = value.lastIndexOf(';');
      if (separator <= 0) return undefined;
      const address = value.slice(0, separator);
      const mac = Buffer.from(value.slice(separator + 1), 'base64url');
      const expected = addressMac(address);
      return mac.length === expected.length && timingSafeEqual(mac, expected) ? address : undefined;
    },
    accessTokenTtlSeconds: ttl,
    maxLifetimeSeconds: maxLifetime,
    clockToleranceSeconds: tolerance,
    revocations,
    signAccessToken(user, ttlSeconds = ttl) {
      const nowMs = Date.now();
      // iat_ms: revocations compare to the millisecond, so a login right after a logout is not caught by it.
      const claims: Record<string, unknown> = {
        role: user.role,
        iat: Math.floor(nowMs / 1000),
        iat_ms: nowMs,
      };
      if (user.email) claims.email = user.email;
      return jwt.sign(claims, key, {
        algorithm: ALGORITHM,
        subject: user.id,
        issuer: settings.issuer,
        audience: settings.audience,
        expiresIn: ttlSeconds,
        jwtid: randomUUID(),
      });
    },
    signServiceToken(serviceName) {
      return this.signAccessToken({ id: `service:${serviceName}`, role: 'service' }, 300);
    },
    verifyAccessToken(token) {
      let payload: string | jwt.JwtPayload;
      try {
        payload = jwt.verify(token, key, verifyOptions);
      } catch {
        throw unauthorized('Invalid or expired token');
      }
      if (
        typeof payload === 'string' ||
        typeof payload.exp !== 'number' ||
        typeof payload.iat !== 'number' ||
        typeof payload.sub !== 'string'
      ) {
        throw unauthorized('Invalid or expired token');
      }
      const nowSeconds = Date.now() / 1000;
      if (
        payload.iat > nowSeconds + tolerance ||
        payload.iat < nowSeconds - maxLifetime - tolerance ||
        payload.exp - payload.iat > maxLifetime
      ) {
        throw unauthorized('Invalid or expired token');
      }
      const role = (payload as { role?: unknown }).role;
      if (!ROLES.includes(role as Role)) throw unauthorized('Invalid or expired token');
      const email = (payload as { email?: unknown }).email;
      const iatMs = (payload as { iat_ms?: unknown }).iat_ms;
      const issuedAtMs =
        typeof iatMs === 'number' && Math.abs(iatMs - payload.iat * 1000) < 1000 ? iatMs : payload.iat * 1000;
      return {
        id: payload.sub,
        role: role as Role,
        email: typeof email === 'string' ? email : undefined,
        issuedAtMs,
      };
    },
  };
}

/** The token settings of a service's configuration (the JWT_* and ACCESS_TOKEN_* variables). */
export function tokenSettingsFrom(
  config: {
    JWT_ISSUER: string;
    JWT_AUDIENCE: string;
    ACCESS_TOKEN_TTL_SECONDS: number;
    ACCESS_TOKEN_MAX_LIFETIME_SECONDS?: number | undefined;
    JWT_CLOCK_SKEW_SECONDS?: number | undefined;
  },
  secret: string,
): TokenSettings {
  return {
    secret,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    ...(config.ACCESS_TOKEN_MAX_LIFETIME_SECONDS !== undefined && {
      maxLifetimeSeconds: config.ACCESS_TOKEN_MAX_LIFETIME_SECONDS,
    }),
    ...(config.JWT_CLOCK_SKEW_SECONDS !== undefined && {
      clockToleranceSeconds: config.JWT_CLOCK_SKEW_SECONDS,
    }),
  };
}

/**
 * Whether an Authorization header carries a valid, unrevoked admin or service token: the callers who may read
 * operational details (the gateway's /metrics and /health). Never throws: anything else is false.
 */
export function isOperatorAuthorization(header: string | undefined, tokens: TokenService): boolean {
  try {
    const token = bearerToken(header);
    if (token === undefined) return false;
    const user = tokens.verifyAccessToken(token);
    return (user.role === 'admin' || user.role === 'service') && !tokens.revocations.isRevoked(user);
  } catch {
    return false;
  }
}

/**
 * The client address a service keys its per-client budgets on: the address the gateway vouched for in
 * `X-Forwarded-Client` (its MAC checked), else the socket's peer. Never `X-Forwarded-For` or another header a
 * caller who reaches the service directly can write: rotating it would buy a fresh budget per request.
 */
export function vouchedClientAddress(
  request: { get(name: string): string; socket: { remoteAddress?: string | undefined } },
  tokens: Pick<TokenService, 'clientAddressFrom'>,
): string {
  return (
    tokens.clientAddressFrom(request.get('X-Forwarded-Client') || undefined) ??
    request.socket.remoteAddress ??
    'unknown'
  );
}

/** 400 `duplicate_authorization`: a request with two Authorization lines is ambiguous, never guessed at. */
export function assertSingleAuthorization(rawHeaders: readonly string[]): void {
  let seen = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) {
      throw new AppError('duplicate_authorization', 'Send exactly one Authorization header', 400);
    }
  }
}

/** Extracts the token of an `Authorization: Bearer <token>` header; undefined when absent, 401 when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!match?.[1]) throw unauthorized('Malformed Authorization header');
  return match[1];
}
