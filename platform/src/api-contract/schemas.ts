import { z } from 'zod';
import { SHIPMENT_STATUSES } from '../events/catalog.js';
import { integerIdParam, paginationQuery, uuidParam } from '../validation/request-input.js';

/*
 * The public API's schemas. The request schemas are the ones the services validate with (each service's http
 * layer imports its own from here), so the OpenAPI document built from them cannot drift from what is
 * accepted. The response schemas describe what the services answer; the component tests check every answer
 * they get against them (see @shop/platform/tools/testing, `contractProblems`).
 */

// ---------------------------------------------------------------------------------------------- shared

/** When a row was written: an ISO 8601 timestamp (UTC). */
const timestamp = z
  .string()
  .min(1)
  .meta({ description: 'ISO 8601 timestamp (UTC)', examples: ['2026-12-04T23:10:00.000Z'] });

export const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    correlationId: z.string(),
    details: z.unknown().optional(),
  }),
});

export const paginationBody = z.strictObject({
  page: z.int().min(1),
  limit: z.int().min(1).max(100),
  total: z.int().min(0),
});

const pageItems = new WeakMap<z.ZodType, z.ZodType>();

/** `{ data, pagination }`: the shape of every collection. */
export function pageOf<T extends z.ZodType>(item: T) {
  const page = z.strictObject({ data: z.array(item), pagination: paginationBody });
  pageItems.set(page, item);
  return page;
}

/** The item schema of a `pageOf` schema, else undefined. */
export function pageItemOf(schema: z.ZodType): z.ZodType | undefined {
  return pageItems.get(schema);
}

// -------------------------------------------------------------------------------------- customer-service

export const CUSTOMER_ROLES = ['customer', 'admin'] as const;

const customerName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100)
  .refine((value) => !/\p{Cc}/u.test(value), 'name must not contain control characters');
const email = z.string().trim().max(254).pipe(z.email('email must be a valid email address'));
// Length limits only: the strength rules are the password policy's (400 weak_password).
const password = z.string().min(1).max(1024);
const refreshToken = z.string().min(1).max(256);

export const registerBody = z.strictObject({
  name: customerName,
  email,
  password,
  role: z.literal('customer').optional(),
});

export const loginBody = z.strictObject({ email: z.string().min(1).max(320), password });

export const refreshTokenBody = z.strictObject({ refreshToken });

export const profileChangesBody = z
  .strictObject({
    name: customerName.optional(),
    email: email.optional(),
    /** Required when `email` changes the address (400 current_password_required). */
    currentPassword: password.optional(),
  })
  .refine((body) => body.name !== undefined || body.email !== undefined, 'Send name and/or email to change');

export const passwordChangeBody = z.strictObject({ currentPassword: password, newPassword: password });

export const roleChangeBody = z.strictObject({ role: z.enum(CUSTOMER_ROLES) });

export const customerIdParam = z.uuid('id must be a UUID');

export const customerListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  q: z.string().trim().max(100).optional(),
});

export const customerProfile = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: z.enum(CUSTOMER_ROLES),
  createdAt: timestamp,
});

export const tokenPair = z.strictObject({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  expiresIn: z.int().min(1).meta({ description: 'Seconds until the access token expires' }),
  refreshToken: z.string().min(1),
});

// ------------------------------------------------------------------------------------- inventory-service

export const PRODUCT_SORTS = ['name', '-name', 'price', '-price', 'createdAt', '-createdAt'] as const;

export const productListQuery = z.strictObject({
  ...paginationQuery,
  q: z.string().max(100).optional(),
  sort: z.enum(PRODUCT_SORTS).optional(),
});

const sku = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
const productDetails = {
  sku,
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).default(''),
  priceCents: z.int().min(1).max(100_000_000),
  currency: z.literal('USD').optional(),
};
const stockLevel = z.int().min(0).max(1_000_000);

export const productCreateBody = z.strictObject({ ...productDetails, stock: stockLevel.default(0) });
// Full replacement of the catalog fields; stock changes only through PATCH /stock, which reservations respect.
export const productReplaceBody = z.strictObject(productDetails);
export const stockChangeBody = z.union([
  z.strictObject({ delta: z.int().min(-1_000_000).max(1_000_000) }),
  z.strictObject({ stock: stockLevel }),
]);
export const productIdPath = z.object({ id: integerIdParam });

export const product = z.strictObject({
  id: z.int().min(1),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  priceCents: z.int().min(1),
  currency: z.literal('USD'),
  stock: z.int().min(0).meta({ description: 'Units available to reserve' }),
  createdAt: timestamp,
  updatedAt: timestamp,
});

// ----------------------------------------------------------------------------------------- order-service

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export const ORDER_CANCEL_REASONS = [
  'out_of_stock',
  'unknown_product',
  'payment_declined',
  'payment_not_received',
  'payment_refunded',
  'dependency_unavailable',
  'pending_timeout',
  'cancelled_by_customer',
  'cancelled_by_admin',
] as const;
export const MAX_ORDER_QUANTITY = 100;
export const MAX_ORDER_LINES = 50;

// The order, its prices, totals and statuses are the server's. Clients that echo them back (or try to set
// them) are not rejected, but these fields are dropped unread; any other unknown field is a 400.
const ignoredOrderFields = Object.fromEntries(
  [
    'id',
    'orderId',
    'customerId',
    'customer_id',
    'status',
    'cancelReason',
    'totalCents',
    'total',
    'currency',
    'paymentId',
    'shipmentId',
    'trackingNumber',
    'createdAt',
    'updatedAt',
  ].map((name) => [name, z.unknown().optional()]),
);
const ignoredLineFields = Object.fromEntries(
  ['name', 'price', 'priceCents', 'unitPriceCents', 'lineTotalCents'].map((name) => [
    name,
    z.unknown().optional(),
  ]),
);

const productId = z.int().positive();
const quantity = z.int().min(1).max(MAX_ORDER_QUANTITY);
const orderPayment = z.strictObject({
  token: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must be a card token such as tok_visa'),
});

export const orderBody = z.strictObject({
  items: z
    .array(z.strictObject({ productId, quantity, ...ignoredLineFields }))
    .min(1)
    .max(MAX_ORDER_LINES),
  payment: orderPayment.optional(),
  ...ignoredOrderFields,
});

export const orderShorthandBody = z.strictObject({
  product_id: productId,
  quantity,
  payment: orderPayment.optional(),
  ...ignoredOrderFields,
});

export const orderIdParam = z.uuid();

export const orderListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: z.string().min(1).max(200).optional(),
});

/** The cancel endpoint takes no input; an empty object is tolerated. */
export const orderCancelBody = z.strictObject({});

export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(MAX_IDEMPOTENCY_KEY_LENGTH)
  .regex(/^[\x21-\x7e]+$/);

export const order = z.strictObject({
  id: z.uuid(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  cancelReason: z.enum(ORDER_CANCEL_REASONS).optional(),
  items: z.array(
    z.strictObject({
      productId: z.int().min(1),
      name: z.string().nullable(),
      quantity: z.int().min(1),
      unitPriceCents: z.int().nullable(),
      lineTotalCents: z.int().nullable(),
    }),
  ),
  totalCents: z.int().nullable(),
  currency: z.string(),
  paymentId: z.string().optional(),
  shipmentId: z.string().optional(),
  trackingNumber: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

// ------------------------------------------------------------------------------------ order-service: cart

export const cartItemPath = z.object({ productId: integerIdParam });
// Above the cap is a 422 from the cart (cart_quantity_limit), so the schema only asks for a positive integer.
export const cartQuantityBody = z.strictObject({
  quantity: z.int('must be a whole number').min(1, 'must be at least 1 (DELETE removes the product)'),
});
export const cartCheckoutBody = z.strictObject({
  paymentToken: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must be a card token such as tok_visa'),
});

export const cart = z.strictObject({
  customerId: z.string(),
  items: z.array(
    z.strictObject({
      productId: z.int().min(1),
      quantity: z.int().min(1),
      name: z.string().nullable(),
      unitPriceCents: z.int().nullable(),
      lineTotalCents: z.int().nullable(),
      available: z.boolean().nullable(),
      unavailableReason: z.enum(['unknown_product', 'out_of_stock']).optional(),
      addedAt: timestamp,
    }),
  ),
  itemCount: z.int().min(0),
  totalQuantity: z.int().min(0),
  subtotalCents: z.int().nullable(),
  currency: z.string(),
  catalogue: z.enum(['ok', 'unavailable']),
  checkout: z.strictObject({ orderId: z.uuid(), state: z.literal('in_progress') }).optional(),
  limits: z.strictObject({ maxQuantity: z.int(), maxItems: z.int() }),
  updatedAt: timestamp.nullable(),
  expiresAt: timestamp.nullable(),
});

// --------------------------------------------------------------------------------------- payment-service

export const PAYMENT_STATUSES = ['CAPTURED', 'DECLINED', 'REFUNDED'] as const;
export const REFUND_REASONS = [
  'order_cancelled',
  'late_capture',
  'unknown_order',
  'manual',
  'unspecified',
] as const;

export const paymentListQuery = z.strictObject({
  orderId: z.uuid().optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  ...paginationQuery,
});
export const paymentIdPath = z.object({ id: z.uuid() });
export const refundBody = z.strictObject({});

export const payment = z.strictObject({
  id: z.uuid(),
  orderId: z.uuid(),
  customerId: z.string(),
  amountCents: z.int().min(0),
  currency: z.literal('USD'),
  status: z.enum(PAYMENT_STATUSES),
  declineReason: z.string().optional(),
  createdAt: timestamp,
  refundedAt: timestamp.optional(),
  refundReason: z.enum(REFUND_REASONS).optional(),
});

// -------------------------------------------------------------------------------------- shipping-service

export const SHIPMENT_ADVANCE_STATUSES = ['IN_TRANSIT', 'DELIVERED'] as const;
export const CARRIERS = ['UPS', 'FedEx', 'DHL', 'USPS'] as const;

export const shipmentListQuery = z.strictObject({
  orderId: z.uuid().optional(),
  customerId: z.string().min(1).max(128).optional(),
  status: z.enum(SHIPMENT_STATUSES).optional(),
  ...paginationQuery,
});
export const shipmentIdPath = z.object({ id: uuidParam });
export const shipmentAdvanceBody = z.strictObject({ status: z.enum(SHIPMENT_ADVANCE_STATUSES) });

export const shipment = z.strictObject({
  id: z.uuid(),
  orderId: z.uuid(),
  customerId: z.string(),
  carrier: z.enum(CARRIERS),
  trackingNumber: z.string(),
  estimatedDelivery: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  status: z.enum(SHIPMENT_STATUSES),
  correlationId: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

// ---------------------------------------------------------------------------------- notification-service

export const NOTIFICATION_STATUSES = ['SENT', 'FAILED'] as const;
export const NOTIFYING_EVENTS = [
  'CustomerRegistered',
  'OrderConfirmed',
  'OrderCancelled',
  'PaymentRefunded',
  'ShipmentScheduled',
  'ShipmentStatusChanged',
] as const;

export const notificationListQuery = z.strictObject({
  customerId: z.string().min(1).max(128).optional(),
  eventType: z.enum(NOTIFYING_EVENTS).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  /** `true`: only the ones not marked read (POST /api/notifications/:id/read). */
  unread: z.enum(['true', 'false']).optional(),
  ...paginationQuery,
});
export const notificationIdPath = z.object({ id: uuidParam });

export const notification = z.strictObject({
  id: z.uuid(),
  customerId: z.string(),
  channel: z.literal('email'),
  recipient: z.string().nullable(),
  subject: z.string(),
  body: z.string(),
  status: z.enum(NOTIFICATION_STATUSES),
  failureReason: z.string().optional(),
  eventId: z.uuid(),
  eventType: z.enum(NOTIFYING_EVENTS),
  correlationId: z.string(),
  createdAt: timestamp,
  /** When the customer marked it read; null while unread. */
  readAt: timestamp.nullable(),
});

// ------------------------------------------------------------------------------------------------- chaos

export const faultBody = z.object({
  errorRate: z.number().min(0).max(1).default(0),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  durationMs: z.number().int().min(1).max(3_600_000).default(30_000),
});

const activeFault = z.strictObject({
  errorRate: z.number(),
  latencyMs: z.int(),
  until: z.int().meta({ description: 'When the fault ends (epoch milliseconds)' }),
});
export const chaosState = z.strictObject({ active: activeFault.nullable() });
export const chaosStarted = z.strictObject({ active: activeFault });
export const chaosServicePath = z.object({
  service: z.string().meta({ description: 'A service name, with or without `-service`: `inventory`' }),
});

/** GET /api/customers/me/dashboard: each part but the profile is null when it could not be had in time. */
export const customerDashboard = z.strictObject({
  profile: customerProfile,
  orders: z.array(order).nullable(),
  shipments: z.array(shipment).nullable(),
  notifications: z.array(notification).nullable(),
  featuredProducts: z.array(product).nullable(),
  degraded: z.array(z.enum(['orders', 'shipments', 'notifications', 'featuredProducts'])),
});

/** POST /api/analytics/events: the allowlist and the property rules, in analytics-event.ts. */
export {
  ANALYTICS_CLIENT_EVENT_TYPES,
  analyticsEventBody,
  type AnalyticsClientEvent,
} from './analytics-event.js';
export const analyticsAccepted = z.strictObject({ accepted: z.literal(true), type: z.string() });
export const analyticsSummaryQuery = z.strictObject({
  /** The last N whole hours, the current one included (default 24, at most 7 days). */
  hours: z.coerce.number().int().min(1).max(168).default(24),
});
const analyticsHour = z.strictObject({
  hour: timestamp,
  events: z.record(z.string(), z.number().int()),
  orders: z.number().int(),
  revenueCents: z.number().int(),
  refundsCents: z.number().int(),
});
export const analyticsSummary = z.strictObject({
  from: timestamp,
  to: timestamp,
  currency: z.literal('USD'),
  hours: z.array(analyticsHour),
  totals: z.strictObject({
    events: z.record(z.string(), z.number().int()),
    orders: z.number().int(),
    revenueCents: z.number().int(),
    refundsCents: z.number().int(),
  }),
  conversion: z.strictObject({
    checkoutsStarted: z.number().int(),
    ordersConfirmed: z.number().int(),
    rate: z.number().nullable(),
  }),
});
