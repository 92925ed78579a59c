import { Router } from '@koa/router';
import type { Context } from 'koa';
import {
  abilityOf,
  authorize,
  currentCorrelationId,
  forbidden,
  notFound,
  requireUser,
  paginated,
} from '@shop/platform/runtime';
import { subject } from '@shop/platform/contracts';
import type { Cancellation } from '../domain/cancellation.js';
import { toView, type OrderRecord } from '../domain/order.js';
import type { OrderPlacement } from '../domain/order-placement.js';
import type { OrderStore } from '../domain/ports.js';
import { orderReadScope } from './order-access.js';
import {
  parseCancelBody,
  parseIdempotencyKey,
  parseListQuery,
  parseOrderId,
  parseOrderRequest,
} from './order-requests.js';
import { renderOutcome, sendPlacement } from './order-responses.js';

export interface OrderRouteDeps {
  store: OrderStore;
  placements: OrderPlacement;
  cancellation: Cancellation;
}

function orderRef(order: OrderRecord) {
  return subject('Order', { id: order.id, customerId: order.customerId });
}

/** The order if the caller may read it; another customer's order is 404, exactly like a missing one. */
function readableOrder(ctx: Context, id: string | undefined, store: OrderStore): OrderRecord {
  const order = store.find(parseOrderId(id));
  if (order === undefined || !abilityOf(ctx).can('read', orderRef(order))) throw notFound('Order');
  return order;
}

export function orderRoutes(deps: OrderRouteDeps): Router {
  const { store, placements, cancellation } = deps;
  const router = new Router();

  router.post('/api/orders', authorize('create', 'Order'), async (ctx) => {
    // The order is always the caller's own: a customerId in the body is ignored (see order-requests.ts).
    const customerId = requireUser(ctx).id;
    const key = parseIdempotencyKey(ctx.get('Idempotency-Key'));
    const request = parseOrderRequest(ctx.request.body);
    const correlationId = currentCorrelationId();
    const command = {
      customerId,
      lines: request.lines,
      paymentToken: request.paymentToken,
      correlationId,
    };
    const placement = await placements.place(command, key, (outcome) =>
      renderOutcome(outcome, correlationId ?? ''),
    );
    sendPlacement(ctx, placement);
  });

  router.get('/api/orders', (ctx) => {
    const query = parseListQuery(ctx.query);
    const scope = orderReadScope(abilityOf(ctx));
    if (scope === 'none') throw forbidden();
    const { orders, total } = store.list({
      customerIds: scope.all ? undefined : scope.customerIds,
      status: query.status,
      customerId: query.customerId,
      page: query.page,
      limit: query.limit,
    });
    ctx.body = paginated(orders.map(toView), query, total);
  });

  router.get('/api/orders/:id', (ctx) => {
    ctx.body = toView(readableOrder(ctx, ctx.params.id, store));
  });

  router.post('/api/orders/:id/cancel', async (ctx) => {
    const user = requireUser(ctx);
    const order = readableOrder(ctx, ctx.params.id, store);
    parseCancelBody(ctx.request.body);
    if (!abilityOf(ctx).can('cancel', orderRef(order))) throw forbidden();
    const cancelled = await cancellation.cancel(order, user.role === 'admin' ? 'admin' : 'customer');
    ctx.body = toView(cancelled);
  });

  // For other services (shipping, notification): any order, but only for callers with unrestricted read.
  router.get('/internal/orders/:id', (ctx) => {
    const scope = orderReadScope(abilityOf(ctx));
    if (scope === 'none' || !scope.all) throw forbidden();
    const order = store.find(parseOrderId(ctx.params.id));
    if (order === undefined) throw notFound('Order');
    ctx.body = toView(order);
  });

  return router;
}
