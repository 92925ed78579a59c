import type { Context } from 'koa';
import {
  AppError,
  counter,
  createUpstreamClient,
  histogram,
  isUpstreamError,
  requireUser,
  type Logger,
  type Registry,
  type UpstreamClient,
} from '@shop/platform/runtime';
import type { GatewayConfig } from '../config.js';
import { upstreamBaseUrl } from '../proxy/upstream-lanes.js';
import type { UpstreamName } from '../routing/route-table.js';

/** The parts of `GET /api/customers/me/dashboard`; every one but `profile` may degrade to null. */
const DASHBOARD_PARTS = ['profile', 'orders', 'shipments', 'notifications', 'featuredProducts'] as const;
export type DashboardPart = (typeof DASHBOARD_PARTS)[number];
export type OptionalPart = Exclude<DashboardPart, 'profile'>;

/** The route class of the dashboard's own clients: their breakers are not the proxied routes' ones. */
const DASHBOARD_ROUTE_CLASS = 'dashboard';

const UPSTREAM_OF: Record<DashboardPart, UpstreamName> = {
  profile: 'customer-service',
  orders: 'order-service',
  shipments: 'shipping-service',
  notifications: 'notification-service',
  featuredProducts: 'inventory-service',
};

export interface DashboardBody {
  profile: unknown;
  orders: unknown[] | null;
  shipments: unknown[] | null;
  notifications: unknown[] | null;
  featuredProducts: unknown[] | null;
  /** The parts that could not be had in time (null above), in the order of the answer. */
  degraded: OptionalPart[];
}

interface Page {
  data: unknown[];
}

function isPage(body: unknown): body is Page {
  return typeof body === 'object' && body !== null && Array.isArray((body as Page).data);
}

/** Open shipments: scheduled or on their way (delivered and cancelled ones are history). */
const OPEN_SHIPMENT_STATUSES = ['SCHEDULED', 'IN_TRANSIT'] as const;

export interface Dashboard {
  handle(ctx: Context): Promise<void>;
  close(): Promise<void>;
}

/**
 * The dashboard composite (decision 0111): the gateway asks the five owners in parallel with the caller's own
 * token, so each service applies its own ownership rules, and every query is also filtered to the caller.
 * Each part has its own client (pool, bulkhead, breaker; route class `dashboard`) and a short deadline
 * (DASHBOARD_PART_TIMEOUT_MS) with no retry. A part that fails, is slow or is refused by its open breaker is
 * null and named in `degraded`; the answer is still 200. Only the profile is required: without it the answer
 * is the profile's own error (401, 404) or 503/504.
 */
export function createDashboard(config: GatewayConfig, logger: Logger, registry: Registry): Dashboard {
  const clients = new Map<DashboardPart, UpstreamClient>(
    DASHBOARD_PARTS.map((part) => [
      part,
      createUpstreamClient({
        name: UPSTREAM_OF[part],
        routeClass: DASHBOARD_ROUTE_CLASS,
        baseUrl: upstreamBaseUrl(config, UPSTREAM_OF[part]),
        logger,
        registry,
        budgetMs: config.DASHBOARD_PART_TIMEOUT_MS,
        timeoutMs: config.DASHBOARD_PART_TIMEOUT_MS,
        retries: 0,
        connections: 16,
        maxConcurrent: config.UPSTREAM_MAX_CONCURRENT,
        breaker: {
          errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
          volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
          resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
          rollingCountTimeoutMs: config.BREAKER_ROLLING_WINDOW_MS,
        },
      }),
    ]),
  );
  const outcomes = counter(registry, {
    name: 'dashboard_parts_total',
    help: 'Parts of customer dashboards by outcome: ok, or degraded (null in the answer)',
    labelNames: ['part', 'outcome'] as const,
  });
  const duration = histogram(registry, {
    name: 'dashboard_part_duration_seconds',
    help: 'Time each dashboard part took, until its answer or its deadline',
    labelNames: ['part'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  for (const part of DASHBOARD_PARTS) {
    for (const outcome of ['ok', 'degraded'] as const) outcomes.inc({ part, outcome }, 0);
  }

  const paths = (customerId: string): Record<DashboardPart, string> => {
    const id = encodeURIComponent(customerId);
    return {
      profile: '/api/customers/me',
      orders: `/api/orders?customerId=${id}&limit=${config.DASHBOARD_ORDERS_LIMIT}`,
      // Two small pages, one per open status, are merged below.
      shipments: `/api/shipments?customerId=${id}&limit=${config.DASHBOARD_SHIPMENTS_LIMIT}`,
      notifications: `/api/notifications?customerId=${id}&unread=true&limit=${config.DASHBOARD_NOTIFICATIONS_LIMIT}`,
      // In-stock filtering happens here: a page of the newest products, the first few with stock.
      featuredProducts: '/api/products?sort=-createdAt&limit=50',
    };
  };

  async function fetchPart(part: DashboardPart, path: string, authorization: string): Promise<unknown> {
    const started = process.hrtime.bigint();
    try {
      const client = clients.get(part) as UpstreamClient;
      if (part === 'shipments') {
        const pages = await Promise.all(
          OPEN_SHIPMENT_STATUSES.map((status) =>
            client.request({ method: 'GET', path: `${path}&status=${status}`, headers: { authorization } }),
          ),
        );
        for (const page of pages)
          if (page.status !== 200 || !isPage(page.body)) throw unexpected(part, page.status);
        return pages
          .flatMap((page) => (page.body as Page).data)
          .sort((a, b) =>
            String((b as { createdAt?: string }).createdAt).localeCompare(
              String((a as { createdAt?: string }).createdAt),
            ),
          )
          .slice(0, config.DASHBOARD_SHIPMENTS_LIMIT);
      }
      const response = await client.request({ method: 'GET', path, headers: { authorization } });
      if (part === 'profile') {
        if (response.status === 200) return response.body;
        // The caller's own problem (no such customer any more, a revoked token): say so as the service did.
        if (response.status >= 400 && response.status < 500) {
          throw new AppError('profile_unavailable', 'The profile could not be read', response.status, {
            details: { upstreamStatus: response.status },
          });
        }
        throw unexpected(part, response.status);
      }
      if (response.status !== 200 || !isPage(response.body)) throw unexpected(part, response.status);
      if (part === 'featuredProducts') {
        return response.body.data
          .filter((product) => ((product as { stock?: number }).stock ?? 0) > 0)
          .slice(0, config.DASHBOARD_FEATURED_LIMIT);
      }
      return response.body.data;
    } finally {
      duration.observe({ part }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  return {
    async handle(ctx) {
      const user = requireUser(ctx);
      const authorization = ctx.get('authorization');
      const wanted = paths(user.id);
      const settled = await Promise.allSettled(
        DASHBOARD_PARTS.map((part) => fetchPart(part, wanted[part], authorization)),
      );
      const [profile, ...rest] = settled as [
        PromiseSettledResult<unknown>,
        ...PromiseSettledResult<unknown>[],
      ];
      if (profile.status === 'rejected') {
        outcomes.inc({ part: 'profile', outcome: 'degraded' });
        const error = profile.reason as unknown;
        logger.warn('Dashboard refused: the profile could not be had', {
          dashboard: { part: 'profile' },
          err: error,
        });
        if (error instanceof AppError) throw error;
        throw new AppError('upstream_unavailable', 'The profile is unavailable; try again shortly', 503);
      }
      outcomes.inc({ part: 'profile', outcome: 'ok' });
      const body: DashboardBody = {
        profile: profile.value,
        orders: null,
        shipments: null,
        notifications: null,
        featuredProducts: null,
        degraded: [],
      };
      DASHBOARD_PARTS.slice(1).forEach((name, index) => {
        const part = name as OptionalPart;
        const result = rest[index] as PromiseSettledResult<unknown>;
        if (result.status === 'fulfilled') {
          body[part] = result.value as unknown[];
          outcomes.inc({ part, outcome: 'ok' });
          return;
        }
        body.degraded.push(part);
        outcomes.inc({ part, outcome: 'degraded' });
        const reason = result.reason as { code?: unknown; reason?: unknown };
        logger.warn('Dashboard part degraded', {
          dashboard: {
            part,
            reason: String(isUpstreamError(result.reason) ? reason.reason : (reason.code ?? 'error')),
          },
        });
      });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = body;
    },
    async close() {
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}

function unexpected(part: DashboardPart, status: number): AppError {
  return new AppError('unexpected_answer', `The ${part} part answered ${status}`, 502, {
    details: { part, upstreamStatus: status },
  });
}
