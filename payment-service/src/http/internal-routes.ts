import { Router } from '@koa/router';
import { AppError, authorize, z, parseInput } from '@shop/platform';
import { DEFAULT_CARD_TOKEN, isCardToken } from '../domain/card-processor.js';
import type { PaymentDesk } from '../domain/payments.js';
import type { OutcomeCounter } from './outcomes.js';

const chargeBody = z.strictObject({
  orderId: z.uuid(),
  customerId: z.string().min(1).max(128),
  amountCents: z.int().min(1).max(1_000_000_000_000),
  currency: z.literal('USD').default('USD'),
  token: z
    .string()
    .refine(isCardToken, 'must be a test card token such as tok_visa')
    .default(DEFAULT_CARD_TOKEN),
});
const orderPath = z.object({ orderId: z.uuid() });

// Customers hold a conditional read right on their own payments; the internal API is for the party that
// charges (service, admin), so every internal route first requires the right to create payments.
const chargingParty = authorize('create', 'Payment');

/** Service-to-service routes of the order saga and its recovery worker (design §5). */
export function internalRoutes(desk: PaymentDesk, outcomes: OutcomeCounter): Router {
  const router = new Router({ prefix: '/internal/payments' });

  router.post('/', chargingParty, (ctx) => {
    const request = parseInput(chargeBody, ctx.request.body, 'body');
    const { payment, created } = desk.charge(request);
    if (created) outcomes.inc({ outcome: payment.status === 'DECLINED' ? 'declined' : 'captured' });
    if (payment.status === 'DECLINED') {
      throw new AppError('payment_declined', payment.declineReason ?? 'Payment declined', 402, {
        details: { payment },
      });
    }
    ctx.status = 201;
    ctx.body = payment;
  });

  router.get('/by-order/:orderId', chargingParty, (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    const payment = desk.findByOrder(orderId);
    if (!payment) throw new AppError('not_found', 'Payment not found', 404);
    ctx.body = payment;
  });

  router.post('/by-order/:orderId/refund', chargingParty, authorize('refund', 'Payment'), (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    const { payment, changed } = desk.refundByOrder(orderId);
    if (changed) outcomes.inc({ outcome: 'refunded' });
    ctx.body = payment;
  });

  return router;
}
