import type { Context, Next } from 'koa';
import { request } from 'undici';
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

/**
 * `GET /health`: every upstream's readiness, asked in parallel with a short timeout (outside the breakers,
 * so probing never trips or is blocked by one), and every breaker's state. 200 only when all are ready.
 */
export function aggregateHealth(
  targets: readonly HealthTarget[],
  timeoutMs: number,
  shuttingDown: () => boolean,
) {
  return function platformHealth(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== '/health' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    return answer(ctx);
  };

  async function answer(ctx: Context): Promise<void> {
    const probes = await Promise.all(targets.map((target) => probeReadiness(target.baseUrl, timeoutMs)));
    const report: PlatformHealth = { status: 'ok', services: {}, breakers: {} };
    let allReady = true;
    targets.forEach((target, index) => {
      const probe = probes[index] as ServiceHealth & { ready: boolean };
      allReady &&= probe.ready;
      report.services[target.name] =
        probe.checks === undefined
          ? { status: probe.status }
          : { status: probe.status, checks: probe.checks };
      report.breakers[target.name] = target.breakers();
    });
    if (shuttingDown()) report.status = 'shutting_down';
    else if (!allReady) report.status = 'degraded';
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = report;
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
