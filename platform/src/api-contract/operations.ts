import { z } from 'zod';
import * as s from './schemas.js';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiResponse {
  description: string;
  schema?: z.ZodType;
  example?: unknown;
  /** Response headers worth knowing, name -> description. */
  headers?: Record<string, string>;
}

/** One public operation of the gateway, described with the schemas the owning service validates with. */
export interface ApiOperation {
  method: ApiMethod;
  /** The route table's @koa/router template, e.g. `/api/orders/:id`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** `public`: no token needed (a bad one is still 401); `bearer`: an access token; `admin`: an admin's. */
  auth: 'public' | 'bearer' | 'admin';
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: { name: string; description: string; schema: z.ZodType }[];
  body?: { schema: z.ZodType; required: boolean; example?: unknown };
  /** Success answers by status. */
  responses: Record<number, ApiResponse>;
  /** The AppError codes this operation's own rules can answer, by status (the edge's come on top). */
  errors: Record<number, readonly string[]>;
  /** Only routed when the gateway runs with CHAOS_ENABLED=true. */
  chaosOnly?: boolean;
}

/** What any operation can answer at the edge or in any service, whatever its own rules. */
const EDGE_ERRORS: Record<number, readonly string[]> = {
  400: ['duplicate_authorization'],
  401: ['unauthorized'],
  429: ['rate_limited'],
  500: ['internal_error', 'chaos_injected'],
  502: ['bad_gateway', 'upstream_response_too_large'],
  503: ['upstream_unavailable', 'database_busy', 'database_unavailable'],
  504: ['upstream_timeout'],
};

/** What any operation that reads a JSON body can answer before it is validated. */
const BODY_ERRORS: Record<number, readonly string[]> = {
  400: ['invalid_json'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation; nothing changed',
  401: 'No valid access token (or bad credentials); `WWW-Authenticate: Bearer`',
  402: 'Payment declined',
  403: 'Authenticated, but not allowed',
  404: 'Not found (another customer’s resource answers the same)',
  409: 'Conflicts with the current state; nothing changed',
  413: 'Body larger than the limit',
  415: 'Body is not application/json',
  422: 'Well-formed, but refers to something that cannot be used',
  429: 'Rate limited; `Retry-After` says when to retry',
  500: 'Unexpected failure; the body never carries internals',
  502: 'The service answered with something unusable',
  503: 'A service, dependency or database is unavailable; `Retry-After` when known',
  504: 'The service did not answer in time; the outcome is unknown',
};

export function errorDescription(status: number): string {
  return ERROR_DESCRIPTIONS[status] ?? 'Error';
}

const UUID_EXAMPLE = '3f0c6a52-8a4e-4b7e-9d43-2f1d8c1b7a10';
const ORDER_EXAMPLE = {
  id: UUID_EXAMPLE,
  customerId: '6d1e2f4a-0b7c-4c39-8f5e-1a2b3c4d5e6f',
  status: 'CONFIRMED',
  items: [
    { productId: 1, name: 'Mechanical keyboard', quantity: 1, unitPriceCents: 8999, lineTotalCents: 8999 },
  ],
  totalCents: 8999,
  currency: 'USD',
  paymentId: '0e5b9b0c-3f39-4d0d-9a83-5a4f7c2b1e11',
  createdAt: '2026-12-04T23:10:00.000Z',
  updatedAt: '2026-12-04T23:10:00.120Z',
};
const PRODUCT_EXAMPLE = {
  id: 13,
  sku: 'DESK-LAMP-01',
  name: 'Desk lamp',
  description: 'Warm white LED',
  priceCents: 2599,
  currency: 'USD',
  stock: 25,
  createdAt: '2026-12-04T23:10:00.000Z',
  updatedAt: '2026-12-04T23:10:00.000Z',
};
const PROFILE_EXAMPLE = {
  id: '6d1e2f4a-0b7c-4c39-8f5e-1a2b3c4d5e6f',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  role: 'customer',
  createdAt: '2026-12-04T23:10:00.000Z',
};
const ETAG = 'Validator of this answer; send it back in If-None-Match';
const IF_NONE_MATCH = {
  name: 'If-None-Match',
  description: 'An ETag of an earlier answer: 304 without a body while the answer is unchanged',
  schema: z.string().max(1024),
};
const NOT_MODIFIED: ApiResponse = {
  description: 'Not modified: the If-None-Match tag is current',
  headers: { ETag: ETAG },
};
const page = (item: unknown) => ({ data: [item], pagination: { page: 1, limit: 20, total: 1 } });

/** Every public operation, in the route table's order. A contract test checks both lists match. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'POST',
    path: '/auth/register',
    operationId: 'register',
    tag: 'Authentication',
    summary: 'Register a customer account',
    description:
      'Only the `customer` role may be chosen. The password policy: at least 10 characters, a letter and a digit, not the e-mail, not a common password.',
    auth: 'public',
    body: {
      schema: s.registerBody,
      required: true,
      example: { name: 'Ada Lovelace', email: 'ada@example.com', password: 'analytical-engine-1843' },
    },
    responses: {
      201: {
        description: 'The new customer',
        schema: s.customerProfile,
        example: PROFILE_EXAMPLE,
        headers: { Location: '/api/customers/me' },
      },
    },
    errors: { 400: ['validation_failed', 'weak_password'], 403: ['role_not_allowed'], 409: ['email_taken'] },
  },
  {
    method: 'POST',
    path: '/auth/login',
    operationId: 'login',
    tag: 'Authentication',
    summary: 'Log in: an access token and a refresh token',
    description:
      'Attempts are limited per e-mail and per client address (429 once spent). Unknown e-mail and wrong password answer the same 401.',
    auth: 'public',
    body: {
      schema: s.loginBody,
      required: true,
      example: { email: 'ada@example.com', password: 'analytical-engine-1843' },
    },
    responses: {
      200: {
        description: 'A token pair (`Cache-Control: no-store`)',
        schema: s.tokenPair,
        example: {
          accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…',
          tokenType: 'Bearer',
          expiresIn: 900,
          refreshToken: 'q5D0f…',
        },
      },
    },
    errors: { 400: ['validation_failed'], 401: ['invalid_credentials'] },
  },
  {
    method: 'POST',
    path: '/auth/refresh',
    operationId: 'refresh',
    tag: 'Authentication',
    summary: 'Rotate a refresh token for a new pair',
    description: 'The presented token is rotated out; presenting it again revokes its whole family.',
    auth: 'public',
    body: { schema: s.refreshTokenBody, required: true, example: { refreshToken: 'q5D0f…' } },
    responses: { 200: { description: 'A new token pair', schema: s.tokenPair } },
    errors: { 400: ['validation_failed'], 401: ['invalid_refresh_token', 'refresh_token_reused'] },
  },
  {
    method: 'POST',
    path: '/auth/logout',
    operationId: 'logout',
    tag: 'Authentication',
    summary: 'Log out: revoke the refresh token’s family',
    description: 'Needs the access token (bearer) and the refresh token of the same account in the body.',
    auth: 'bearer',
    body: { schema: s.refreshTokenBody, required: true, example: { refreshToken: 'q5D0f…' } },
    responses: { 204: { description: 'Revoked (repeatable)' } },
    errors: { 400: ['validation_failed'], 401: ['invalid_refresh_token'] },
  },
  {
    method: 'GET',
    path: '/api/customers/me',
    operationId: 'getMyProfile',
    tag: 'Customers',
    summary: 'The caller’s profile',
    auth: 'bearer',
    responses: { 200: { description: 'The profile', schema: s.customerProfile, example: PROFILE_EXAMPLE } },
    errors: { 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'GET',
    path: '/api/customers/me/dashboard',
    operationId: 'getMyDashboard',
    tag: 'Customers',
    summary: 'Profile, latest orders, open shipments, unread notifications and featured products in one call',
    description:
      'Each part is fetched in parallel with its own deadline and breaker. A part that fails or is slow is `null` and named in `degraded`; the answer is still 200. Only the profile is required: its 4xx is answered as `profile_unavailable` with the same status, its timeout or outage as 504/503. See docs/features/dashboard.md.',
    auth: 'bearer',
    responses: { 200: { description: 'The dashboard', schema: s.customerDashboard } },
    errors: {
      403: ['forbidden', 'profile_unavailable'],
      404: ['profile_unavailable'],
      // The profile part answered something else than its contract (a 5xx, or not a profile).
      502: ['unexpected_answer'],
    },
  },
  {
    method: 'PATCH',
    path: '/api/customers/me',
    operationId: 'updateMyProfile',
    tag: 'Customers',
    summary: 'Change the caller’s name and/or e-mail',
    description: '`role`, `id` and `password` are never writable here (400).',
    auth: 'bearer',
    body: { schema: s.profileChangesBody, required: true, example: { name: 'Ada King' } },
    responses: { 200: { description: 'The updated profile', schema: s.customerProfile } },
    errors: {
      400: ['validation_failed', 'current_password_required'],
      403: ['forbidden', 'invalid_current_password'],
      404: ['not_found'],
      409: ['email_taken'],
      429: ['rate_limited'],
    },
  },
  {
    method: 'PUT',
    path: '/api/customers/me/password',
    operationId: 'changeMyPassword',
    tag: 'Customers',
    summary: 'Change the caller’s password',
    description:
      'Needs the current password (a wrong one counts against the account’s login budget). Every refresh token of the account is revoked and every access token issued before the change is refused within seconds: sign in again.',
    auth: 'bearer',
    body: {
      schema: s.passwordChangeBody,
      required: true,
      example: { currentPassword: 'correct-horse-battery-42', newPassword: 'another-long-passphrase-7' },
    },
    responses: { 204: { description: 'Changed; every session of the account ended' } },
    errors: {
      400: ['validation_failed', 'weak_password'],
      403: ['forbidden', 'invalid_current_password'],
      429: ['rate_limited'],
    },
  },
  {
    method: 'GET',
    path: '/api/customers',
    operationId: 'listCustomers',
    tag: 'Customers',
    summary: 'List customers (admin)',
    auth: 'admin',
    query: s.customerListQuery,
    responses: {
      200: {
        description: 'A page of profiles',
        schema: s.pageOf(s.customerProfile),
        example: page(PROFILE_EXAMPLE),
      },
    },
    errors: { 400: ['validation_failed'], 403: ['forbidden'] },
  },
  {
    method: 'PATCH',
    path: '/api/customers/:id/role',
    operationId: 'changeRole',
    tag: 'Customers',
    summary: 'Change a customer’s role (admin)',
    description: 'Applies at the customer’s next token refresh. The last admin cannot be demoted.',
    auth: 'admin',
    params: z.object({ id: s.customerIdParam }),
    body: { schema: s.roleChangeBody, required: true, example: { role: 'admin' } },
    responses: { 200: { description: 'The updated profile', schema: s.customerProfile } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'], 409: ['last_admin'] },
  },
  {
    method: 'GET',
    path: '/api/products',
    operationId: 'listProducts',
    tag: 'Products',
    summary: 'Browse the catalogue',
    auth: 'public',
    query: s.productListQuery,
    headers: [IF_NONE_MATCH],
    responses: {
      200: {
        description: 'A page of products',
        schema: s.pageOf(s.product),
        example: page(PRODUCT_EXAMPLE),
        headers: { ETag: ETAG },
      },
      304: NOT_MODIFIED,
    },
    errors: { 400: ['validation_failed'] },
  },
  {
    method: 'POST',
    path: '/api/products',
    operationId: 'createProduct',
    tag: 'Products',
    summary: 'Add a product (admin)',
    auth: 'admin',
    body: {
      schema: s.productCreateBody,
      required: true,
      example: {
        sku: 'DESK-LAMP-01',
        name: 'Desk lamp',
        description: 'Warm white LED',
        priceCents: 2599,
        stock: 25,
      },
    },
    responses: {
      201: {
        description: 'The new product',
        schema: s.product,
        example: PRODUCT_EXAMPLE,
        headers: { Location: '/api/products/{id}' },
      },
    },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 409: ['sku_taken'] },
  },
  {
    method: 'GET',
    path: '/api/products/:id',
    operationId: 'getProduct',
    tag: 'Products',
    summary: 'One product',
    auth: 'public',
    params: s.productIdPath,
    headers: [IF_NONE_MATCH],
    responses: {
      200: {
        description: 'The product',
        schema: s.product,
        example: PRODUCT_EXAMPLE,
        headers: { ETag: ETAG },
      },
      304: NOT_MODIFIED,
    },
    errors: { 400: ['validation_failed'], 404: ['not_found'] },
  },
  {
    method: 'PUT',
    path: '/api/products/:id',
    operationId: 'replaceProduct',
    tag: 'Products',
    summary: 'Replace a product’s catalogue fields (admin)',
    description: 'Stock changes only through `PATCH /api/products/{id}/stock`.',
    auth: 'admin',
    params: s.productIdPath,
    body: {
      schema: s.productReplaceBody,
      required: true,
      example: { sku: 'DESK-LAMP-01', name: 'Desk lamp', description: 'Dimmable', priceCents: 2799 },
    },
    responses: { 200: { description: 'The product', schema: s.product } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'], 409: ['sku_taken'] },
  },
  {
    method: 'DELETE',
    path: '/api/products/:id',
    operationId: 'deleteProduct',
    tag: 'Products',
    summary: 'Delete a product (admin)',
    auth: 'admin',
    params: s.productIdPath,
    responses: { 204: { description: 'Deleted' } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'], 409: ['product_reserved'] },
  },
  {
    method: 'PATCH',
    path: '/api/products/:id/stock',
    operationId: 'changeStock',
    tag: 'Products',
    summary: 'Change stock by a delta or set it (admin)',
    auth: 'admin',
    params: s.productIdPath,
    body: { schema: s.stockChangeBody, required: true, example: { delta: 10 } },
    responses: { 200: { description: 'The product', schema: s.product } },
    errors: {
      400: ['validation_failed'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['insufficient_stock'],
    },
  },
  {
    method: 'GET',
    path: '/api/orders',
    operationId: 'listOrders',
    tag: 'Orders',
    summary: 'The caller’s orders (admins: all, with filters)',
    auth: 'bearer',
    query: s.orderListQuery,
    responses: {
      200: { description: 'A page of orders', schema: s.pageOf(s.order), example: page(ORDER_EXAMPLE) },
    },
    errors: { 400: ['validation_failed'], 403: ['forbidden'] },
  },
  {
    method: 'POST',
    path: '/api/orders',
    operationId: 'placeOrder',
    tag: 'Orders',
    summary: 'Place an order (the saga: reserve, charge, confirm)',
    description:
      'Prices come from inventory, never from the client. `payment.token`: `tok_visa` (default) approves, `tok_chargeDeclined` declines. Also accepts the shorthand `{product_id, quantity}`. With an `Idempotency-Key`, a retry answers the first result (`Idempotent-Replayed: true`).',
    auth: 'bearer',
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Makes retries safe: 1 to 128 printable ASCII characters, remembered 24 h per customer',
        schema: s.idempotencyKeyHeader,
      },
    ],
    body: {
      schema: z.union([s.orderBody, s.orderShorthandBody]),
      required: true,
      example: { items: [{ productId: 1, quantity: 1 }], payment: { token: 'tok_visa' } },
    },
    responses: {
      200: { description: 'A replay of an interrupted first attempt, now settled', schema: s.order },
      201: {
        description: 'Confirmed: stock reserved and payment captured',
        schema: s.order,
        example: ORDER_EXAMPLE,
        headers: { Location: '/api/orders/{id}' },
      },
      202: {
        description: 'Pending: an outcome is unknown; the recovery worker settles it',
        schema: s.order,
        headers: { Location: '/api/orders/{id}' },
      },
    },
    errors: {
      400: ['validation_failed'],
      402: ['payment_declined'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['out_of_stock', 'idempotency_in_progress'],
      422: ['unknown_product', 'idempotency_key_reused', 'quantity_limit_exceeded'],
      429: ['order_rate_limited'],
      503: ['dependency_unavailable'],
    },
  },
  {
    method: 'GET',
    path: '/api/orders/:id',
    operationId: 'getOrder',
    tag: 'Orders',
    summary: 'One order',
    auth: 'bearer',
    params: z.object({ id: s.orderIdParam }),
    responses: { 200: { description: 'The order', schema: s.order, example: ORDER_EXAMPLE } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/cancel',
    operationId: 'cancelOrder',
    tag: 'Orders',
    summary: 'Cancel an order and compensate (refund, restock, cancel the shipment)',
    auth: 'bearer',
    params: z.object({ id: s.orderIdParam }),
    body: { schema: s.orderCancelBody, required: false },
    responses: { 200: { description: 'The cancelled order', schema: s.order } },
    errors: {
      400: ['validation_failed'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['order_not_cancellable', 'order_in_progress', 'order_changed'],
    },
  },
  {
    method: 'GET',
    path: '/api/cart',
    operationId: 'getCart',
    tag: 'Cart',
    summary: 'The caller’s cart, priced from the catalogue now',
    auth: 'bearer',
    responses: { 200: { description: 'The cart (empty when there is none)', schema: s.cart } },
    errors: { 403: ['forbidden'] },
  },
  {
    method: 'DELETE',
    path: '/api/cart',
    operationId: 'clearCart',
    tag: 'Cart',
    summary: 'Empty the caller’s cart',
    auth: 'bearer',
    responses: { 204: { description: 'Emptied' } },
    errors: { 403: ['forbidden'], 409: ['checkout_in_progress'] },
  },
  {
    method: 'PUT',
    path: '/api/cart/items/:productId',
    operationId: 'setCartItem',
    tag: 'Cart',
    summary: 'Set a product’s quantity in the cart (adds the line when new)',
    auth: 'bearer',
    params: s.cartItemPath,
    body: { schema: s.cartQuantityBody, required: true, example: { quantity: 2 } },
    responses: { 200: { description: 'The cart', schema: s.cart } },
    errors: {
      400: ['validation_failed'],
      403: ['forbidden'],
      409: ['checkout_in_progress'],
      422: ['cart_quantity_limit', 'cart_item_limit', 'unknown_product'],
    },
  },
  {
    method: 'DELETE',
    path: '/api/cart/items/:productId',
    operationId: 'removeCartItem',
    tag: 'Cart',
    summary: 'Remove a product from the cart',
    auth: 'bearer',
    params: s.cartItemPath,
    responses: { 200: { description: 'The cart', schema: s.cart } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 409: ['checkout_in_progress'] },
  },
  {
    method: 'POST',
    path: '/api/cart/checkout',
    operationId: 'checkoutCart',
    tag: 'Cart',
    summary: 'Place the cart as an order (the same saga and answers as POST /api/orders)',
    description: 'Needs an `Idempotency-Key` (a fresh UUID per checkout, reused on its retries).',
    auth: 'bearer',
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Required: 1 to 128 printable ASCII characters, reused on retries of the same checkout',
        schema: s.idempotencyKeyHeader,
      },
    ],
    body: { schema: s.cartCheckoutBody, required: true, example: { paymentToken: 'tok_visa' } },
    responses: {
      200: { description: 'A replay of an interrupted first attempt, now settled', schema: s.order },
      201: { description: 'Confirmed', schema: s.order, headers: { Location: '/api/orders/{id}' } },
      202: {
        description: 'Pending: an outcome is unknown',
        schema: s.order,
        headers: { Location: '/api/orders/{id}' },
      },
    },
    errors: {
      400: ['validation_failed', 'idempotency_key_required'],
      402: ['payment_declined'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['out_of_stock', 'idempotency_in_progress', 'checkout_in_progress'],
      422: ['unknown_product', 'idempotency_key_reused', 'cart_empty', 'quantity_limit_exceeded'],
      429: ['order_rate_limited'],
      503: ['dependency_unavailable'],
    },
  },
  {
    method: 'GET',
    path: '/api/payments',
    operationId: 'listPayments',
    tag: 'Payments',
    summary: 'Payments (`orderId`: that order’s)',
    auth: 'bearer',
    query: s.paymentListQuery,
    responses: { 200: { description: 'A page of payments', schema: s.pageOf(s.payment) } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'POST',
    path: '/api/payments/:id/refund',
    operationId: 'refundPayment',
    tag: 'Payments',
    summary: 'Refund a payment in full (admin, idempotent)',
    auth: 'admin',
    params: s.paymentIdPath,
    body: { schema: s.refundBody, required: false },
    responses: { 200: { description: 'The refunded payment', schema: s.payment } },
    errors: {
      400: ['validation_failed'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['payment_not_refundable', 'refund_requires_order_cancellation'],
    },
  },
  {
    method: 'GET',
    path: '/api/shipments',
    operationId: 'listShipments',
    tag: 'Shipments',
    summary: 'Shipments (customers: their own)',
    auth: 'bearer',
    query: s.shipmentListQuery,
    responses: { 200: { description: 'A page of shipments', schema: s.pageOf(s.shipment) } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'] },
  },
  {
    method: 'GET',
    path: '/api/shipments/:id',
    operationId: 'getShipment',
    tag: 'Shipments',
    summary: 'One shipment',
    auth: 'bearer',
    params: s.shipmentIdPath,
    responses: { 200: { description: 'The shipment', schema: s.shipment } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'PATCH',
    path: '/api/shipments/:id',
    operationId: 'advanceShipment',
    tag: 'Shipments',
    summary: 'Move a shipment forward (admin)',
    auth: 'admin',
    params: s.shipmentIdPath,
    body: { schema: s.shipmentAdvanceBody, required: true, example: { status: 'IN_TRANSIT' } },
    responses: { 200: { description: 'The shipment', schema: s.shipment } },
    errors: {
      400: ['validation_failed'],
      403: ['forbidden'],
      404: ['not_found'],
      409: ['invalid_transition'],
    },
  },
  {
    method: 'GET',
    path: '/api/notifications',
    operationId: 'listNotifications',
    tag: 'Notifications',
    summary: 'Messages recorded for the customer',
    auth: 'bearer',
    query: s.notificationListQuery,
    responses: { 200: { description: 'A page of notifications', schema: s.pageOf(s.notification) } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'] },
  },
  {
    method: 'GET',
    path: '/api/notifications/:id',
    operationId: 'getNotification',
    tag: 'Notifications',
    summary: 'One message',
    auth: 'bearer',
    params: s.notificationIdPath,
    responses: { 200: { description: 'The notification', schema: s.notification } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'POST',
    path: '/api/notifications/:id/read',
    operationId: 'markNotificationRead',
    tag: 'Notifications',
    summary: 'Mark one of the caller’s notifications read (a repeat keeps the first instant)',
    auth: 'bearer',
    params: s.notificationIdPath,
    responses: { 200: { description: 'The notification with readAt', schema: s.notification } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'POST',
    path: '/api/analytics/events',
    operationId: 'recordAnalyticsEvent',
    tag: 'Analytics',
    summary: 'Record a behaviour event (anonymous or signed in)',
    description:
      'Allowlisted types; at most 10 properties, keys lower_snake_case up to 32 characters, values strings up to 64 characters, numbers, booleans or null. Values that look like e-mail addresses, tokens or card numbers are refused. Rate limited per client. See docs/features/analytics.md.',
    auth: 'public',
    body: {
      schema: s.analyticsEventBody,
      required: true,
      example: { type: 'product_viewed', properties: { product_id: 3 } },
    },
    responses: { 202: { description: 'Recorded', schema: s.analyticsAccepted } },
    errors: { 400: ['validation_failed'], 429: ['rate_limited'] },
  },
  {
    method: 'GET',
    path: '/api/analytics/summary',
    operationId: 'getAnalyticsSummary',
    tag: 'Analytics',
    summary: 'Events per type per hour, orders and revenue per hour, checkout conversion (admin)',
    auth: 'admin',
    query: s.analyticsSummaryQuery,
    responses: { 200: { description: 'The summary of the last `hours` hours', schema: s.analyticsSummary } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'] },
  },
  {
    method: 'GET',
    path: '/admin/chaos/:service',
    operationId: 'getFault',
    tag: 'Chaos',
    summary: 'The fault injected into a service, if any (admin; CHAOS_ENABLED=true only)',
    auth: 'admin',
    params: s.chaosServicePath,
    responses: { 200: { description: 'The active fault or null', schema: s.chaosState } },
    errors: { 403: ['forbidden'], 404: ['not_found'] },
    chaosOnly: true,
  },
  {
    method: 'POST',
    path: '/admin/chaos/:service',
    operationId: 'injectFault',
    tag: 'Chaos',
    summary: 'Make a service fail and/or slow for a while (admin; CHAOS_ENABLED=true only)',
    auth: 'admin',
    params: s.chaosServicePath,
    body: {
      schema: s.faultBody,
      required: false,
      example: { errorRate: 0.5, latencyMs: 0, durationMs: 30000 },
    },
    responses: { 201: { description: 'The fault now active', schema: s.chaosStarted } },
    errors: { 400: ['validation_failed'], 403: ['forbidden'], 404: ['not_found'] },
    chaosOnly: true,
  },
  {
    method: 'DELETE',
    path: '/admin/chaos/:service',
    operationId: 'healService',
    tag: 'Chaos',
    summary: 'Remove the fault (admin; CHAOS_ENABLED=true only)',
    auth: 'admin',
    params: s.chaosServicePath,
    responses: { 204: { description: 'Healed' } },
    errors: { 403: ['forbidden'], 404: ['not_found'] },
    chaosOnly: true,
  },
];

/** Every error code the operation can answer, by status: its own, the body's and the edge's. */
export function operationErrors(operation: ApiOperation): Map<number, string[]> {
  const merged = new Map<number, string[]>();
  const add = (table: Record<number, readonly string[]>) => {
    for (const [status, codes] of Object.entries(table)) {
      const list = merged.get(Number(status)) ?? [];
      for (const code of codes) if (!list.includes(code)) list.push(code);
      merged.set(Number(status), list);
    }
  };
  add(operation.errors);
  if (operation.body !== undefined) add(BODY_ERRORS);
  add(EDGE_ERRORS);
  return new Map([...merged.entries()].sort(([a], [b]) => a - b));
}
