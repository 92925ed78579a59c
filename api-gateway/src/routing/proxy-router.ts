import type { Context } from 'koa';
import { AppError, notFound, type AuthUser, type Logger, type UpstreamClient } from '@shop/platform/runtime';
import { ClientWatch } from '../proxy/client-watch.js';
import { outgoingRequest } from '../proxy/outgoing-request.js';
import type { UpstreamLanes } from '../proxy/upstream-lanes.js';
import { startUpstreamResponse } from '../proxy/upstream-response.js';
import { clientIp } from '../rate-limit/client-ip.js';
import { setQuotaHeaders, type Quota, type RateLimits } from '../rate-limit/rate-limits.js';
import { assertPermitted } from './permission.js';
import { routeDispatch, type RouteDefinition } from './route-dispatch.js';
import { upstreamNamed, type RouteEntry } from './route-table.js';

export interface ProxyRouterOptions {
  routes: readonly RouteEntry[];
  /** One client per (upstream, route class): each route uses its own class's breaker and bulkhead. */
  lanes: UpstreamLanes;
  rateLimits: RateLimits;
  trustProxyHops: number;
  chaosEnabled: boolean;
  logger: Logger;
  /**
   * The `X-Forwarded-Client` value for a client address (signed with the platform key): services key their
   * own per-client budgets on it, and nobody who reaches them directly can forge it.
   */
  vouchForClient?: (address: string) => string;
  /** The largest upstream response body relayed (UPSTREAM_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Routes the gateway answers itself (`GET /`), dispatched with the proxied ones. */
  localRoutes?: readonly RouteDefinition[];
  /** The handlers of the table's composite routes (`composite`), run after the rate limit and permission. */
  composites?: Partial<Record<NonNullable<RouteEntry['composite']>, (ctx: Context) => Promise<void>>>;
}

// Dot segments and encoded separators never reach an upstream, whatever its router would make of them.
const UNSAFE_PATH = /\/\.\.?(?:\/|$)|%2e|%2f|%5c/i;
const MAX_EMAIL_KEY_LENGTH = 320;

/**
 * The gateway's router: one route per route table entry (so metrics get the template), each running the
 * edge pipeline: rate limit, permission, brute-force guard, then the pass-through through the upstream's
 * resilient client. Authentication, correlation ID, body checks, access log and metrics come before it,
 * from createService. Unknown paths are 404, known paths with another method 405 with `Allow`.
 */
export function createProxyRouter(options: ProxyRouterOptions) {
  return routeDispatch([
    ...(options.localRoutes ?? []),
    ...options.routes
      .filter((route) => route.chaosOnly !== true || options.chaosEnabled)
      .map((route) => ({ path: route.path, methods: route.methods, handler: proxyTo(route, options) })),
  ]);
}

function proxyTo(route: RouteEntry, options: ProxyRouterOptions) {
  const { rateLimits, trustProxyHops, logger } = options;
  const fixedUpstream =
    typeof route.upstream === 'string' ? options.lanes.client(route.upstream, route.routeClass) : undefined;
  // Resolved at start-up like the lane: a composite route without its handler is a bug found before listening.
  const composite = route.composite === undefined ? undefined : options.composites?.[route.composite];
  if (route.composite !== undefined && composite === undefined) {
    throw new Error(`No handler for the composite route ${route.composite}`);
  }

  return async function proxy(ctx: Context): Promise<void> {
    if (UNSAFE_PATH.test(ctx.path)) throw notFound('Route');
    const user = ctx.state.user;
    const forwardedFor = trustProxyHops > 0 ? ctx.get('X-Forwarded-For') : undefined;
    const ip = clientIp(ctx.socket.remoteAddress, forwardedFor, trustProxyHops);

    let quota = await consumeBudget(rateLimits, route, user, ip);
    assertPermitted(route.permission, user);
    const email = route.loginGuard === true ? loginEmail(ctx.request.body) : undefined;
    if (route.loginGuard === true) quota = tighter(quota, await consumeLoginAttempt(rateLimits, ip, email));
    setQuotaHeaders(ctx, quota);

    if (composite !== undefined) {
      await composite(ctx);
      return;
    }

    const upstream = fixedUpstream ?? upstreamFromParams(route, ctx, options.lanes);
    const outgoing = outgoingRequest(ctx.req.headers, ip, ctx.request.body, options.vouchForClient?.(ip));
    const watch = new ClientWatch(ctx.res);
    let answered = false;
    try {
      await upstream.forwardInto(
        {
          method: ctx.method,
          path: route.upstreamPath ?? ctx.url,
          headers: outgoing.headers,
          body: outgoing.body,
          signal: watch,
        },
        (head) => {
          // Throws (502) before anything is written when the answer is too large: not answered then.
          const target = startUpstreamResponse(ctx, head, options.maxResponseBytes);
          answered = true;
          if (route.loginGuard === true && head.status >= 200 && head.status < 300) {
            forgiveLogin(rateLimits, ip, email, logger);
          }
          return target;
        },
      );
    } catch (error) {
      // The answer has started: a client that left mid-body, or a body that broke off (the client's
      // connection is closed then, as the upstream's was). There is nothing else to send.
      if (answered) return;
      // Nobody is waiting for the answer: not a server error, and not worth an error log line.
      if (watch.aborted) throw new AppError('client_closed_request', 'Client closed the request', 499);
      throw error;
    }
  };
}

/** A successful login clears its e-mail's failures and does not count against its IP. */
function forgiveLogin(rateLimits: RateLimits, ip: string, email: string | undefined, logger: Logger): void {
  const forgiven = [rateLimits.refund('login_ip', ip)];
  if (email !== undefined) forgiven.push(rateLimits.reset('login_email', email));
  void Promise.all(forgiven).catch((error: unknown) => {
    logger.warn('Could not clear login attempts after a successful login', { err: error });
  });
}

function consumeBudget(
  rateLimits: RateLimits,
  route: RouteEntry,
  user: AuthUser | undefined,
  ip: string,
): Promise<Quota> {
  if (route.rateLimit === 'auth') return rateLimits.consume('auth', ip);
  return user === undefined ? rateLimits.consume('anonymous', ip) : rateLimits.consume('api', user.id);
}

/** Counts the attempt per IP and per e-mail before it is tried; both must have budget left. */
async function consumeLoginAttempt(
  rateLimits: RateLimits,
  ip: string,
  email: string | undefined,
): Promise<Quota> {
  const attempts = [rateLimits.consume('login_ip', ip)];
  if (email !== undefined) attempts.push(rateLimits.consume('login_email', email));
  const outcomes = await Promise.allSettled(attempts);
  let quota: Quota | undefined;
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') throw outcome.reason;
    quota = quota === undefined ? outcome.value : tighter(quota, outcome.value);
  }
  return quota as Quota;
}

function tighter(a: Quota, b: Quota): Quota {
  return b.remaining < a.remaining ? b : a;
}

function loginEmail(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const email = (body as { email?: unknown }).email;
  if (typeof email !== 'string') return undefined;
  const key = email.trim().toLowerCase();
  return key === '' ? undefined : key.slice(0, MAX_EMAIL_KEY_LENGTH);
}

function upstreamFromParams(route: RouteEntry, ctx: Context, lanes: UpstreamLanes): UpstreamClient {
  const param = typeof route.upstream === 'string' ? undefined : route.upstream.param;
  const params = (ctx as Context & { params?: Record<string, string> }).params;
  const name = upstreamNamed(param === undefined ? undefined : params?.[param]);
  if (name === undefined) throw new AppError('not_found', 'Unknown service', 404);
  return lanes.client(name, route.routeClass);
}
