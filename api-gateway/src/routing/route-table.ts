import { serviceNamed, type Action, type SubjectType } from '@shop/platform/contracts';

/** The services behind the gateway: its upstreams in the service list (platform/src/contracts/services.ts). */
export const UPSTREAMS = serviceNamed('api-gateway').upstreams;

export type UpstreamName = (typeof UPSTREAMS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What the caller must be allowed before the request leaves the gateway. A CASL pair is checked with the
 * shared abilities on the subject type (the owning service then checks the row); anonymous callers
 * failing it get 401, authenticated ones 403.
 */
export type Permission = 'public' | 'authenticated' | { action: Action; subject: SubjectType };

/**
 * Rate-limit budget: `auth` is per client IP; `api` is per user, or per client IP in the `anonymous`
 * budget when the caller has no token.
 */
export type RateLimitBucket = 'auth' | 'api';

/**
 * The lane a route takes to its upstream: each (upstream, class) pair has its own client, so its own
 * keep-alive pool, breaker and bulkhead. A write path that cannot complete (say, placing orders while
 * payment is down) can then fill or trip only its own lane, never the reads of the same service.
 * `control` is the operator's chaos switch: it has no breaker, so it works while the service's read or
 * write breaker is open. See docs/upstream-failures.md.
 */
export type RouteClass = 'read' | 'write' | 'control';

export interface RouteEntry {
  methods: readonly HttpMethod[];
  /** @koa/router template; it is also the `route` label of the HTTP metrics. */
  path: string;
  /** The upstream, or the path parameter naming it (chaos routes). */
  upstream: UpstreamName | { param: string };
  /** `read` for GET routes, `write` for the others, `control` for the chaos switches. */
  routeClass: RouteClass;
  /** Fixed path on the upstream; by default the request's own path and query are forwarded. */
  upstreamPath?: string;
  permission: Permission;
  rateLimit: RateLimitBucket;
  /** Brute-force protection: attempts counted per e-mail (from the JSON body) and per IP. */
  loginGuard?: boolean;
  /** Only routed when CHAOS_ENABLED=true. */
  chaosOnly?: boolean;
  /**
   * Answered by the gateway from several upstreams (after the same rate limit and permission checks) instead
   * of being forwarded; `upstream` is then the part the answer cannot do without.
   */
  composite?: 'dashboard';
}

const can = (action: Action, subject: SubjectType): Permission => ({ action, subject });
// Admin-only routes ask for `manage`: only the admin role has it (see platform's abilities).
const adminOn = (subject: SubjectType): Permission => ({ action: 'manage', subject });

/**
 * The gateway's whole public surface (docs/architecture.md#public-api). Anything else, `/internal/*` included, is 404; a known
 * path with another method is 405 with `Allow`. A new public endpoint needs a line here.
 */
export const ROUTES: readonly RouteEntry[] = [
  // customer-service: authentication
  {
    methods: ['POST'],
    path: '/auth/register',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: 'public',
    rateLimit: 'auth',
  },
  {
    methods: ['POST'],
    path: '/auth/login',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: 'public',
    rateLimit: 'auth',
    loginGuard: true,
  },
  {
    methods: ['POST'],
    path: '/auth/refresh',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: 'public',
    rateLimit: 'auth',
  },
  {
    methods: ['POST'],
    path: '/auth/logout',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: 'public',
    rateLimit: 'auth',
  },

  // customer-service: profiles
  {
    methods: ['GET'],
    path: '/api/customers/me',
    upstream: 'customer-service',
    routeClass: 'read',
    permission: can('read', 'Customer'),
    rateLimit: 'api',
  },
  // Composite: profile, latest orders, open shipments, unread notifications and featured products in one
  // answer, each part with its own deadline and breaker (docs/features/dashboard.md, decision 0111).
  {
    methods: ['GET'],
    path: '/api/customers/me/dashboard',
    upstream: 'customer-service',
    routeClass: 'read',
    permission: can('read', 'Customer'),
    rateLimit: 'api',
    composite: 'dashboard',
  },
  {
    methods: ['PATCH'],
    path: '/api/customers/me',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: can('update', 'Customer'),
    rateLimit: 'api',
  },
  {
    methods: ['PUT'],
    path: '/api/customers/me/password',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: can('update', 'Customer'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/customers',
    upstream: 'customer-service',
    routeClass: 'read',
    permission: adminOn('Customer'),
    rateLimit: 'api',
  },
  {
    methods: ['PATCH'],
    path: '/api/customers/:id/role',
    upstream: 'customer-service',
    routeClass: 'write',
    permission: adminOn('Customer'),
    rateLimit: 'api',
  },

  // inventory-service: catalog and stock
  {
    methods: ['GET'],
    path: '/api/products',
    upstream: 'inventory-service',
    routeClass: 'read',
    permission: can('read', 'Product'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/products',
    upstream: 'inventory-service',
    routeClass: 'write',
    permission: can('create', 'Product'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/products/:id',
    upstream: 'inventory-service',
    routeClass: 'read',
    permission: can('read', 'Product'),
    rateLimit: 'api',
  },
  {
    methods: ['PUT'],
    path: '/api/products/:id',
    upstream: 'inventory-service',
    routeClass: 'write',
    permission: can('update', 'Product'),
    rateLimit: 'api',
  },
  {
    methods: ['DELETE'],
    path: '/api/products/:id',
    upstream: 'inventory-service',
    routeClass: 'write',
    permission: can('delete', 'Product'),
    rateLimit: 'api',
  },
  {
    methods: ['PATCH'],
    path: '/api/products/:id/stock',
    upstream: 'inventory-service',
    routeClass: 'write',
    permission: can('update', 'Stock'),
    rateLimit: 'api',
  },

  // order-service
  {
    methods: ['GET'],
    path: '/api/orders',
    upstream: 'order-service',
    routeClass: 'read',
    permission: can('read', 'Order'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/orders',
    upstream: 'order-service',
    routeClass: 'write',
    permission: can('create', 'Order'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/orders/:id',
    upstream: 'order-service',
    routeClass: 'read',
    permission: can('read', 'Order'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/orders/:id/cancel',
    upstream: 'order-service',
    routeClass: 'write',
    permission: can('cancel', 'Order'),
    rateLimit: 'api',
  },

  // order-service: the caller's own cart (docs/features/cart.md)
  {
    methods: ['GET'],
    path: '/api/cart',
    upstream: 'order-service',
    routeClass: 'read',
    permission: can('read', 'Cart'),
    rateLimit: 'api',
  },
  {
    methods: ['DELETE'],
    path: '/api/cart',
    upstream: 'order-service',
    routeClass: 'write',
    permission: can('delete', 'Cart'),
    rateLimit: 'api',
  },
  {
    methods: ['PUT', 'DELETE'],
    path: '/api/cart/items/:productId',
    upstream: 'order-service',
    routeClass: 'write',
    permission: can('update', 'Cart'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/cart/checkout',
    upstream: 'order-service',
    routeClass: 'write',
    permission: can('create', 'Order'),
    rateLimit: 'api',
  },

  // payment-service
  {
    methods: ['GET'],
    path: '/api/payments',
    upstream: 'payment-service',
    routeClass: 'read',
    permission: can('read', 'Payment'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/payments/:id/refund',
    upstream: 'payment-service',
    routeClass: 'write',
    permission: can('refund', 'Payment'),
    rateLimit: 'api',
  },

  // shipping-service
  {
    methods: ['GET'],
    path: '/api/shipments',
    upstream: 'shipping-service',
    routeClass: 'read',
    permission: can('read', 'Shipment'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/shipments/:id',
    upstream: 'shipping-service',
    routeClass: 'read',
    permission: can('read', 'Shipment'),
    rateLimit: 'api',
  },
  {
    methods: ['PATCH'],
    path: '/api/shipments/:id',
    upstream: 'shipping-service',
    routeClass: 'write',
    permission: can('update', 'Shipment'),
    rateLimit: 'api',
  },

  // notification-service
  {
    methods: ['GET'],
    path: '/api/notifications',
    upstream: 'notification-service',
    routeClass: 'read',
    permission: can('read', 'Notification'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/notifications/:id',
    upstream: 'notification-service',
    routeClass: 'read',
    permission: can('read', 'Notification'),
    rateLimit: 'api',
  },
  {
    methods: ['POST'],
    path: '/api/notifications/:id/read',
    upstream: 'notification-service',
    routeClass: 'write',
    permission: can('read', 'Notification'),
    rateLimit: 'api',
  },

  // notification-service: analytics (docs/features/analytics.md). Events come from anyone, signed in or not:
  // the anonymous (per address) or api (per user) budget here, the service's own ingestion budget behind it.
  {
    methods: ['POST'],
    path: '/api/analytics/events',
    upstream: 'notification-service',
    routeClass: 'write',
    permission: can('create', 'Analytics'),
    rateLimit: 'api',
  },
  {
    methods: ['GET'],
    path: '/api/analytics/summary',
    upstream: 'notification-service',
    routeClass: 'read',
    permission: adminOn('Analytics'),
    rateLimit: 'api',
  },

  // Fault injection on any service (docs/architecture.md#resilience-policies): /admin/chaos/inventory-service -> inventory's /chaos.
  {
    methods: ['GET', 'POST', 'DELETE'],
    path: '/admin/chaos/:service',
    upstream: { param: 'service' },
    routeClass: 'control',
    upstreamPath: '/chaos',
    permission: adminOn('Chaos'),
    rateLimit: 'api',
    chaosOnly: true,
  },
];

/** Resolves a chaos target: `inventory-service` or its short form `inventory`. */
export function upstreamNamed(name: string | undefined): UpstreamName | undefined {
  if (name === undefined) return undefined;
  const full = name.endsWith('-service') ? name : `${name}-service`;
  return (UPSTREAMS as readonly string[]).includes(full) ? (full as UpstreamName) : undefined;
}
