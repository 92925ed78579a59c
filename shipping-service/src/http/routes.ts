import { Router } from '@koa/router';
import { abilityOf, authorize, notFound, parseInput, requireUser, paginated } from '@shop/platform/runtime';
import { subject, type AppAbility, canActOnEveryRow } from '@shop/platform/contracts';
import { shipmentAdvanceBody, shipmentIdPath, shipmentListQuery } from '@shop/platform/api-contract';
import type { Shipment } from '../domain/shipment.js';
import type { Shipping } from '../domain/shipping.js';
import type { ShipmentMetrics } from '../shipment-metrics.js';

// The request schemas of the public API live in the shared contract the OpenAPI document is built from.
const listQuery = shipmentListQuery;
const idPath = shipmentIdPath;
const advanceBody = shipmentAdvanceBody;

function visible(ability: AppAbility, shipment: Shipment): boolean {
  return ability.can('read', subject('Shipment', shipment));
}

/** The public shipment API behind the gateway (docs/architecture.md#public-api). */
export function shipmentRoutes(shipping: Shipping, metrics: ShipmentMetrics): Router {
  const router = new Router({ prefix: '/api/shipments' });

  // Customers see their own shipments (the customerId filter cannot widen that); admins see all.
  router.get('/', authorize('read', 'Shipment'), (ctx) => {
    const user = requireUser(ctx);
    const ability = abilityOf(ctx);
    const query = parseInput(listQuery, ctx.query, 'query');
    const everyone = canActOnEveryRow(ability, 'read', 'Shipment');
    if (!everyone && query.customerId !== undefined && query.customerId !== user.id) {
      ctx.body = paginated([], query, 0);
      return;
    }
    const page = shipping.list({
      customerId: everyone ? query.customerId : user.id,
      orderId: query.orderId,
      status: query.status,
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    });
    ctx.body = {
      data: page.rows.filter((shipment) => visible(ability, shipment)),
      pagination: { page: query.page, limit: query.limit, total: page.total },
    };
  });

  router.get('/:id', authorize('read', 'Shipment'), (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    const shipment = shipping.find(id);
    // Another customer's shipment answers exactly like a missing one.
    if (!shipment || !visible(abilityOf(ctx), shipment)) throw notFound('Shipment');
    ctx.body = shipment;
  });

  router.patch('/:id', authorize('update', 'Shipment'), async (ctx) => {
    const { id } = parseInput(idPath, ctx.params, 'path');
    const { status } = parseInput(advanceBody, ctx.request.body ?? {}, 'body');
    const shipment = await shipping.advance(id, status);
    metrics.entered(shipment.status);
    ctx.body = shipment;
  });

  return router;
}
