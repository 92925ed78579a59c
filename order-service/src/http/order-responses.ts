import type { Context } from 'koa';
import type { StoredResponse } from '../domain/idempotency.js';
import type { Placement } from '../domain/order-placement.js';
import { toView, type Order } from '../domain/order.js';
import type { PlaceOrderOutcome } from '../domain/saga.js';

export const orderLocation = (orderId: string) => `/api/orders/${orderId}`;

/** Every status of POST /api/orders comes from here (docs/api.md#placing-an-order lists them). */
export function renderOutcome(outcome: PlaceOrderOutcome, correlationId: string): StoredResponse {
  const location = { Location: orderLocation(outcome.order.id) };
  switch (outcome.kind) {
    case 'confirmed':
      return { status: 201, headers: location, body: toView(outcome.order) };
    case 'pending':
      return { status: 202, headers: location, body: toView(outcome.order) };
    case 'rejected': {
      const { rejection } = outcome;
      const headers: Record<string, string> = {};
      if (rejection.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(rejection.retryAfterSeconds);
      const error: Record<string, unknown> = {
        code: rejection.code,
        message: rejection.message,
        correlationId,
      };
      if (rejection.details !== undefined) error.details = rejection.details;
      return { status: rejection.status, headers, body: { error } };
    }
  }
}

/** The order as it stands now, for a request whose first attempt was interrupted before it answered. */
export function renderCurrent(order: Order): StoredResponse {
  return {
    status: order.status === 'PENDING' ? 202 : 200,
    headers: { Location: orderLocation(order.id) },
    body: toView(order),
  };
}

export function send(
  ctx: Context,
  response: StoredResponse,
  extraHeaders: Record<string, string> = {},
): void {
  for (const [name, value] of Object.entries({ ...response.headers, ...extraHeaders })) ctx.set(name, value);
  ctx.status = response.status;
  ctx.body = response.body;
}

const REPLAYED = { 'Idempotent-Replayed': 'true' };

/**
 * The answer to a placement under an Idempotency-Key (POST /api/orders and the cart's checkout): the first
 * answer; the same answer again, marked replayed; or, when the first request was interrupted after its order
 * was created, the order as it is now, marked replayed.
 */
export function sendPlacement(ctx: Context, placement: Placement): void {
  switch (placement.kind) {
    case 'answered':
      send(ctx, placement.response);
      return;
    case 'replayed':
      send(ctx, placement.response, REPLAYED);
      return;
    case 'interrupted':
      send(ctx, renderCurrent(placement.order), REPLAYED);
      return;
  }
}
