import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient, Reply } from './gateway-client.js';

/** A customer account the generator signed up and acts as. */
export interface Customer {
  email: string;
  password: string;
  name: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  accessExpiresAt: number;
  /** Orders this customer placed in the run, newest last (a few are kept for cancel and history). */
  orders: string[];
}

export interface Credentials {
  email: string;
  password: string;
}

/** Thrown when the stack refuses something the generator cannot run without (admin login, setup). */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The token pair of a 200 from /auth/login or /auth/refresh; undefined for anything else. */
export function tokensOf(reply: Reply): TokenPair | undefined {
  if (reply.status !== 200 || typeof reply.body !== 'object' || reply.body === null) return undefined;
  const body = reply.body as Record<string, unknown>;
  if (typeof body.accessToken !== 'string' || typeof body.refreshToken !== 'string') return undefined;
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    expiresIn: typeof body.expiresIn === 'number' ? body.expiresIn : 300,
  };
}

/** Keeps a customer's session current after a successful login or refresh. */
export function applyTokens(customer: Customer, tokens: TokenPair, now = Date.now()): void {
  customer.accessToken = tokens.accessToken;
  customer.refreshToken = tokens.refreshToken;
  customer.accessExpiresAt = now + tokens.expiresIn * 1000;
}

/** `reply` as one line for an error message: status, error code and the correlation ID to trace. */
export function describeReply(reply: Reply): string {
  if (reply.status === 0) return `no answer (${reply.transportError ?? 'error'})`;
  const code = reply.errorCode === undefined ? '' : ` ${reply.errorCode}`;
  const trace = reply.correlationId === undefined ? '' : ` (correlation ID ${reply.correlationId})`;
  return `${reply.status}${code}${trace}`;
}

/** How long the generator waits out a 429 on the admin login before giving up. */
const LONGEST_LOGIN_WAIT_S = 120;

/**
 * Logs the admin in. A 429 (the address's auth or login budget is spent) is waited out when it resets
 * within two minutes, saying so through `onWait`; a SetupError says what to check when the stack refuses.
 * Undefined when `signal` aborts while waiting.
 */
export async function adminLogin(
  client: GatewayClient,
  credentials: Credentials,
  options: { signal?: AbortSignal; onWait?: (seconds: number) => void } = {},
): Promise<(Reply & { token: string }) | undefined> {
  for (;;) {
    const reply = await client.call('POST', '/auth/login', { body: credentials });
    const tokens = tokensOf(reply);
    if (tokens !== undefined) return { ...reply, token: tokens.accessToken };
    const wait = reply.retryAfterSeconds ?? 60;
    if (reply.status === 429 && wait <= LONGEST_LOGIN_WAIT_S) {
      options.onWait?.(wait);
      try {
        await sleep(wait * 1000, undefined, { signal: options.signal });
      } catch {
        return undefined;
      }
      continue;
    }
    const hint =
      reply.status === 401
        ? 'check ADMIN_EMAIL and ADMIN_PASSWORD (npm start prints the admin password once, when it creates the admin)'
        : reply.status === 429
          ? `the gateway's login budget for this address is spent for ${wait} s`
          : 'is the stack healthy? (GET /health on the gateway)';
    throw new SetupError(`admin login as ${credentials.email} failed: ${describeReply(reply)}; ${hint}`);
  }
}

/** A new account's details: unique e-mail under `load.test` (a reserved domain), a strong random password. */
export function newAccount(
  runId: string,
  sequence: number,
): { name: string; email: string; password: string } {
  return {
    name: `Load Customer ${runId}-${sequence}`,
    email: `loadgen-${runId}-${sequence}@load.test`,
    password: `Lg-${randomBytes(12).toString('base64url')}-${randomInt(10, 99)}`,
  };
}

/** A customer for `account` before its first sign-in: no tokens, no orders. */
export function signedOutCustomer(account: { name: string; email: string; password: string }): Customer {
  return { ...account, accessToken: '', refreshToken: '', accessExpiresAt: 0, orders: [] };
}

/**
 * The customers of a run. A flow checks one out for itself and returns it when done, so no two flows
 * ever act as the same customer at once (a refresh token used twice would revoke the session).
 */
export class CustomerPool {
  private readonly free: Customer[] = [];
  private total = 0;

  add(customer: Customer): void {
    this.free.push(customer);
    this.total += 1;
  }

  /** A random free customer, or undefined when every one is in use. */
  checkout(): Customer | undefined {
    if (this.free.length === 0) return undefined;
    const index = randomInt(this.free.length);
    const [customer] = this.free.splice(index, 1);
    return customer;
  }

  checkin(customer: Customer): void {
    this.free.push(customer);
  }

  get size(): number {
    return this.total;
  }
}
