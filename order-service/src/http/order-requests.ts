import { badRequest, z } from '@shop/platform';
import { ORDER_STATUSES, type OrderStatus, type RequestedLine } from '../domain/order.js';

export const MAX_QUANTITY = 100;
export const MAX_LINES = 50;
export const DEFAULT_PAYMENT_TOKEN = 'tok_visa';
const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

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
const quantity = z.int().min(1).max(MAX_QUANTITY);
const payment = z.strictObject({
  token: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must be a card token such as tok_visa'),
});

const orderBody = z.strictObject({
  items: z
    .array(z.strictObject({ productId, quantity, ...ignoredLineFields }))
    .min(1)
    .max(MAX_LINES),
  payment: payment.optional(),
  ...ignoredOrderFields,
});

const shorthandBody = z.strictObject({
  product_id: productId,
  quantity,
  payment: payment.optional(),
  ...ignoredOrderFields,
});

export interface OrderRequest {
  lines: RequestedLine[];
  paymentToken: string;
}

function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(`Invalid ${what}`, issues(result.error));
  return result.data;
}

/**
 * Lines naming the same product are merged into one (quantities added); the merged quantity obeys the same
 * cap as a single line, so splitting a line cannot get around it.
 */
export function mergeLines(lines: RequestedLine[]): RequestedLine[] {
  const merged = new Map<number, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  const result: RequestedLine[] = [];
  for (const [id, total] of merged) {
    if (total > MAX_QUANTITY) {
      throw badRequest('Invalid order', [
        { path: 'items', message: `total quantity of product ${id} exceeds ${MAX_QUANTITY}` },
      ]);
    }
    result.push({ productId: id, quantity: total });
  }
  return result;
}

/** `{items:[{productId,quantity}], payment?:{token}}` or the shorthand `{product_id, quantity}`. */
export function parseOrderRequest(body: unknown): OrderRequest {
  const isShorthand = typeof body === 'object' && body !== null && 'product_id' in body && !('items' in body);
  if (isShorthand) {
    const data = parse(shorthandBody, body, 'order');
    return {
      lines: [{ productId: data.product_id, quantity: data.quantity }],
      paymentToken: data.payment?.token ?? DEFAULT_PAYMENT_TOKEN,
    };
  }
  const data = parse(orderBody, body ?? {}, 'order');
  return {
    lines: mergeLines(data.items.map((item) => ({ productId: item.productId, quantity: item.quantity }))),
    paymentToken: data.payment?.token ?? DEFAULT_PAYMENT_TOKEN,
  };
}

export function parseIdempotencyKey(header: string): string | undefined {
  if (header === '') return undefined;
  if (header.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(header)) {
    throw badRequest(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
  return header;
}

export function parseOrderId(value: string | undefined): string {
  return parse(z.uuid(), value, 'order id');
}

const listQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: z.string().min(1).max(200).optional(),
});

export function parseListQuery(query: unknown): {
  page: number;
  limit: number;
  status: OrderStatus | undefined;
  customerId: string | undefined;
} {
  const data = parse(listQuery, query, 'query');
  return { page: data.page, limit: data.limit, status: data.status, customerId: data.customerId };
}

/** The cancel endpoint takes no input; an empty object is tolerated. */
export function parseCancelBody(body: unknown): void {
  if (body !== undefined) parse(z.strictObject({}), body, 'cancel request');
}
