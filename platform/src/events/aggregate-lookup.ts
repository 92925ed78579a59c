import type { z } from 'zod';
import type { TokenService } from '../auth/tokens.js';
import type { UpstreamClient } from '../http-client/index.js';
import { BoundedMap } from '../collections/bounded-map.js';
import { RejectedEventError } from './rejection.js';

/**
 * The Authorization header for calls a service makes as itself (a consumer, a worker, the saga), not for a
 * user. Service tokens live 5 minutes; one is reused for a minute.
 */
export function serviceAuthorization(
  tokens: TokenService,
  serviceName: string,
  reuseMs = 60_000,
): () => string {
  let header = '';
  let signedAt = -Infinity;
  return () => {
    const now = Date.now();
    if (now - signedAt > reuseMs) {
      header = `Bearer ${tokens.signServiceToken(serviceName)}`;
      signedAt = now;
    }
    return header;
  };
}

/**
 * The upstream settings of a client a consumer uses to look up owners (`internalLookup`): no circuit breaker.
 * The bus's retry schedule (1 s, 5 s, 30 s) already paces these calls, and a breaker would turn an owner that
 * is back into dead letters: while it is half-open it lets one probe through and rejects every other call, so
 * the events whose retries fall in that moment spend an attempt on a call never made, and their last attempt
 * dead-letters them as `failed` although the owner answers (seen in the randomized fault mode).
 */
export const OWNER_LOOKUP = { breaker: { enabled: false } } as const;

/**
 * Finds an aggregate at the service that owns it: resolves the aggregate, or undefined when the owner says
 * it does not exist; rejects when the owner cannot answer now (a transient failure: the event is retried).
 */
export type AggregateLookup<T> = (id: string) => Promise<T | undefined>;

export interface InternalLookupOptions<T> {
  client: UpstreamClient;
  /** `serviceAuthorization(tokens, callerName)`. */
  authorization: () => string;
  /** The owner's internal route for one id, e.g. (id) => `/internal/orders/${id}`. */
  path: (id: string) => string;
  /** What a 200 must contain. */
  schema: z.ZodType<T>;
  /** For error messages, e.g. 'order'. */
  what: string;
}

/**
 * GET on the owner's internal API. 404 means the aggregate does not exist, and so does 400: an id the owner
 * cannot even parse is one it never issued. Any other answer (5xx, a timeout, an open breaker, a body that
 * does not match `schema`) is transient.
 */
export function internalLookup<T>(options: InternalLookupOptions<T>): AggregateLookup<T> {
  const { client, authorization, path, schema, what } = options;
  return async (id) => {
    const res = await client.request({
      method: 'GET',
      path: path(encodeURIComponent(id)),
      headers: { authorization: authorization() },
    });
    if (res.status === 404 || res.status === 400) return undefined;
    const body = schema.safeParse(res.body);
    if (res.status !== 200 || !body.success) {
      throw new Error(`${client.name} answered ${res.status} to a lookup of ${what} ${id}`);
    }
    return body.data;
  };
}

/** The aggregate, or a RejectedEventError (`unknown_aggregate`) naming what the owner does not know. */
export function requireAggregate<T>(found: T | undefined, what: string, id: string, owner: string): T {
  if (found === undefined) {
    throw new RejectedEventError('unknown_aggregate', `${what} ${id} does not exist at ${owner}`);
  }
  return found;
}

/**
 * `lookup`, remembering what it found: for owners whose answer can never change once the aggregate exists (an
 * order's id and customer: orders are never deleted and never change hands). A consumer then asks the owner
 * once per aggregate, not once per event about it (an order's confirmation and shipment each reach
 * notification-service twice: its notifier and its analytics). Only what was found is remembered: an
 * aggregate the owner did not know, or could not answer about, is asked again next time. Concurrent lookups
 * of one id share one call. Keeps the `maxEntries` most recently used.
 */
export function rememberFound<T>(lookup: AggregateLookup<T>, maxEntries = 10_000): AggregateLookup<T> {
  const found = new BoundedMap<string, T>(maxEntries);
  const inFlight = new Map<string, Promise<T | undefined>>();
  return (id) => {
    const known = found.use(id);
    if (known !== undefined) return Promise.resolve(known);
    let pending = inFlight.get(id);
    if (pending === undefined) {
      pending = lookup(id)
        .then((value) => {
          if (value !== undefined) found.set(id, value);
          return value;
        })
        .finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
    }
    return pending;
  };
}
