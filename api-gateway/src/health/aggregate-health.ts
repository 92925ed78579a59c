import type { Context, Next } from 'koa';
import { request } from 'undici';
import {
  acceptCorrelationId,
  CORRELATION_HEADER,
  isOperatorAuthorization,
  type TokenService,
} from '@shop/platform/runtime';
import type { BreakerState } from '../proxy/upstream-lanes.js';
import type { RouteClass, UpstreamName } from '../routing/route-table.js';

export interface HealthTarget {
  name: UpstreamName;
  baseUrl: string;
  /** The state of each of the upstream's breakers, by route class. */
  breakers: () => Partial<Record<RouteClass, BreakerState>>;
}

interface ServiceHealth {
  status: string;
  checks?: unknown;
}

export interface PlatformHealth {
  status: 'ok' | 'degraded' | 'shutting_down';
  services: Record<string, ServiceHealth>;
  /** Per upstream, per route class: e.g. `{"order-service": {"read": "closed", "write": "open"}}`. */
  breakers: Record<string, Partial<Record<RouteClass, BreakerState>>>;
}

/** HEALTH_CACHE_MS's default and floor: the aggregate is refreshed at most once a second. */
export const HEALTH_CACHE_MS = 1_000;

/**
 * `GET /health`: every upstream's readiness, asked in parallel with a short timeout (outside the breakers,
 * so probing never trips or is blocked by one), and every breaker's state. 200 only when all are ready.
 *
 * Anonymous callers get `{status}` only: the topology and breaker states are for admins (and services), who
 * send their token. Either way the answer comes from one aggregate refreshed at most once per `cacheMs`
 * (however many callers, the upstreams are probed at most once per interval), so /health cannot amplify
 * traffic. Every answer carries X-Correlation-ID and Cache-Control: no-store.
 */
export function aggregateHealth(
  targets: readonly HealthTarget[],
  timeoutMs: number,
  shuttingDown: () => boolean,
  options: { tokens?: TokenService; cacheMs?: number } = {},
) {
  const cacheMs = Math.max(HEALTH_CACHE_MS, options.cacheMs ?? HEALTH_CACHE_MS);
  let cached: { at: number; report: Promise<Omit<PlatformHealth, 'breakers'>> } | undefined;

  function currentReport(): Promise<Omit<PlatformHealth, 'breakers'>> {
    const now = Date.now();
    if (cached === undefined || now - cached.at >= cacheMs) {
      cached = { at: now, report: probeAll() };
    }
    return cached.report;
  }

  return function platformHealth(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== '/health' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    return answer(ctx);
  };

  async function answer(ctx: Context): Promise<void> {
    // The correlation middleware has set it when it runs first; otherwise it is set here.
    if (ctx.response.get(CORRELATION_HEADER) === '') {
      ctx.set(CORRELATION_HEADER, acceptCorrelationId(ctx.req.headers['x-correlation-id']));
    }
    ctx.set('Cache-Control', 'no-store');
    const report = await currentReport();
    const status = shuttingDown() ? 'shutting_down' : report.status;
    ctx.status = status === 'ok' ? 200 : 503;
    if (!mayReadDetails(ctx)) {
      ctx.body = { status };
      return;
    }
    // Breaker states are this process's memory: read now, not from the cached probes.
    const breakers: PlatformHealth['breakers'] = {};
    for (const target of targets) breakers[target.name] = target.breakers();
    ctx.body = { status, services: report.services, breakers };
  }

  function mayReadDetails(ctx: Context): boolean {
    return (
      options.tokens !== undefined && isOperatorAuthorization(ctx.req.headers.authorization, options.tokens)
    );
  }

  async function probeAll(): Promise<Omit<PlatformHealth, 'breakers'>> {
    const probes = await Promise.all(targets.map((target) => probeReadiness(target.baseUrl, timeoutMs)));
    const report: Omit<PlatformHealth, 'breakers'> = { status: 'ok', services: {} };
    let allReady = true;
    targets.forEach((target, index) => {
      const probe = probes[index] as ServiceHealth & { ready: boolean };
      allReady &&= probe.ready;
      report.services[target.name] =
        probe.checks === undefined
          ? { status: probe.status }
          : { status: probe.status, checks: probe.checks };
    });
    if (!allReady) report.status = 'degraded';
    return report;
  }
}

async function probeReadiness(
  baseUrl: string,
  timeoutMs: number,
): Promise<ServiceHealth & { ready: boolean }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(`${baseUrl.replace(/\/+$/, '')}/health/ready`, {
      headers: { accept: 'application/json' },
      signal,
    });
    const text = await response.body.text();
    const ready = response.statusCode === 200;
    const parsed = parseObject(text);
    const status = typeof parsed?.status === 'string' ? parsed.status : ready ? 'ready' : 'not_ready';
    return { ready, status, checks: parsed?.checks };
  } catch {
    return { ready: false, status: signal.aborted ? 'timeout' : 'unreachable' };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
