import { Router } from '@koa/router';
import { abilityOf, authorize, notFound, requireUser, parseInput } from '@shop/platform/runtime';
import { subject, type AppAbility, canActOnEveryRow } from '@shop/platform/contracts';
// The request schemas are the shared contract's, the ones the OpenAPI document is built from.
import { paymentIdPath, paymentListQuery, refundBody } from '@shop/platform/api-contract';
import type { Payment } from '../domain/payment.js';
import type { PaymentDesk } from '../domain/payments.js';
import type { PaymentTelemetry } from './payment-telemetry.js';

function visible(ability: AppAbility, payment: Payment): boolean {
  return ability.can('read', subject('Payment', payment));
}

/** The public payment API behind the gateway (docs/architecture.md#public-api). */
export function publicRoutes(desk: PaymentDesk, telemetry: PaymentTelemetry): Router {
  const router = new Router({ prefix: '/api/payments' });

  router.get('/', authorize('read', 'Payment'), (ctx) => {
    const user = requireUser(ctx);
    const ability = abilityOf(ctx);
    const query = parseInput(paymentListQuery, ctx.query, 'query');
    const offset = (query.page - 1) * query.limit;
    const pagination = { page: query.page, limit: query.limit };

    if (query.orderId !== undefined) {
      // Another customer's order answers exactly like an order without a payment: its existence is not revealed.
      const payment = desk.findByOrder(query.orderId);
      if (!payment || !visible(ability, payment)) throw notFound('Payment');
      const matches = query.status === undefined || payment.status === query.status ? [payment] : [];
      ctx.body = {
        data: matches.slice(offset, offset + query.limit),
        pagination: { ...pagination, total: matches.length },
      };
      return;
    }

    const customerId = canActOnEveryRow(ability, 'read', 'Payment') ? undefined : user.id;
    const page = desk.list({ customerId, status: query.status, limit: query.limit, offset });
    ctx.body = {
      data: page.rows.filter((payment) => visible(ability, payment)),
      pagination: { ...pagination, total: page.total },
    };
  });

  router.post('/:id/refund', authorize('refund', 'Payment'), async (ctx) => {
    const { id } = parseInput(paymentIdPath, ctx.params, 'path');
    parseInput(refundBody, ctx.request.body ?? {}, 'body');
    const { payment, changed } = await desk.refundById(id);
    if (changed) telemetry.refunded(payment, 'manual');
    ctx.body = payment;
  });

  return router;
}
