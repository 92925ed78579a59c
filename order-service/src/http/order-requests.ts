import { badRequest, z } from '@shop/platform/runtime';
import {
  idempotencyKeyHeader,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_ORDER_QUANTITY,
  orderBody,
  orderCancelBody,
  orderIdParam,
  orderListQuery,
  orderShorthandBody,
} from '@shop/platform/api-contract';
import type { OrderStatus, RequestedLine } from '../domain/order.js';

export const DEFAULT_PAYMENT_TOKEN = 'tok_visa';

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
    if (total > MAX_ORDER_QUANTITY) {
      throw badRequest('Invalid order', [
        { path: 'items', message: `total quantity of product ${id} exceeds ${MAX_ORDER_QUANTITY}` },
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
    const data = parse(orderShorthandBody, body, 'order');
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
  if (!idempotencyKeyHeader.safeParse(header).success) {
    throw badRequest(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
  return header;
}

export function parseOrderId(value: string | undefined): string {
  return parse(orderIdParam, value, 'order id');
}

export function parseListQuery(query: unknown): {
  page: number;
  limit: number;
  status: OrderStatus | undefined;
  customerId: string | undefined;
} {
  const data = parse(orderListQuery, query, 'query');
  return { page: data.page, limit: data.limit, status: data.status, customerId: data.customerId };
}

/** The cancel endpoint takes no input; an empty object is tolerated. */
export function parseCancelBody(body: unknown): void {
  if (body !== undefined) parse(orderCancelBody, body, 'cancel request');
}
