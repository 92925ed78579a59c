import { randomUUID } from 'node:crypto';
import { createTokenService, type AuthUser } from '@shop/platform/runtime';
import type { Credentials, JwtSettings } from './platform-runner.js';
import { send } from './suite/http.js';

/** What the account helpers need: a started Platform fits, and so does an external stack. */
export interface ApiTarget {
  readonly gatewayUrl: string;
  readonly adminCredentials: Readonly<Credentials>;
}

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface TestCustomer {
  id: string;
  email: string;
  password: string;
  name: string;
  token: string;
  refreshToken: string;
}

/** Through the suite's send(): the same source address, and the reply is observed like every other. */
async function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await send(baseUrl, 'POST', path, { body });
  const parsed =
    typeof reply.body === 'object' && reply.body !== null
      ? (reply.body as Record<string, unknown>)
      : { raw: reply.status === 0 ? `no answer: ${reply.error ?? 'network error'}` : reply.text };
  return { status: reply.status, body: parsed };
}

/** POST /auth/login through the gateway; throws with the status and error body when it is not 200. */
export async function login(
  target: Pick<ApiTarget, 'gatewayUrl'>,
  credentials: Credentials,
): Promise<LoginResult> {
  const { status, body } = await postJson(target.gatewayUrl, '/auth/login', credentials);
  if (status !== 200 || typeof body.accessToken !== 'string') {
    throw new Error(`login as ${credentials.email} failed: ${status} ${JSON.stringify(body)}`);
  }
  return {
    accessToken: body.accessToken,
    refreshToken: typeof body.refreshToken === 'string' ? body.refreshToken : '',
    expiresIn: typeof body.expiresIn === 'number' ? body.expiresIn : 0,
  };
}

const adminTokens = new WeakMap<object, { token: string; expiresAt: number }>();

/**
 * An admin access token, obtained by logging in through the gateway with the platform's admin credentials.
 * Cached per target until a minute before it expires, so repeated calls do not trip the login rate limit.
 */
export async function adminToken(target: ApiTarget): Promise<string> {
  const cached = adminTokens.get(target);
  if (cached && cached.expiresAt > Date.now()) return cached.token;
  const result = await login(target, target.adminCredentials);
  const lifetimeMs = (result.expiresIn || 300) * 1000;
  adminTokens.set(target, { token: result.accessToken, expiresAt: Date.now() + lifetimeMs - 60_000 });
  return result.accessToken;
}

/** Registers a fresh customer through the gateway (unique email) and logs them in. */
export async function newCustomer(
  target: Pick<ApiTarget, 'gatewayUrl'>,
  overrides: { name?: string; email?: string; password?: string } = {},
): Promise<TestCustomer> {
  const suffix = randomUUID().slice(0, 8);
  const name = overrides.name ?? `Test Customer ${suffix}`;
  const email = overrides.email ?? `customer-${suffix}@resilience.test`;
  const password = overrides.password ?? `Pw-${randomUUID()}`;
  const registered = await postJson(target.gatewayUrl, '/auth/register', { name, email, password });
  if (registered.status !== 201) {
    throw new Error(`register ${email} failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  }
  const tokens = await login(target, { email, password });
  const id = typeof registered.body.id === 'string' ? registered.body.id : idFromToken(tokens.accessToken);
  return { id, email, password, name, token: tokens.accessToken, refreshToken: tokens.refreshToken };
}

/**
 * Signs an access token directly with the platform's secret, without the gateway: for calling a service
 * directly, e.g. `signToken(platform.jwt, { id: 'service:test', role: 'service' })` for /internal routes.
 */
export function signToken(jwt: JwtSettings, user: AuthUser, ttlSeconds = 900): string {
  return createTokenService({
    secret: jwt.secret,
    issuer: jwt.issuer,
    audience: jwt.audience,
  }).signAccessToken(user, ttlSeconds);
}

function idFromToken(token: string): string {
  const payload = token.split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
  return typeof claims.sub === 'string' ? claims.sub : '';
}
