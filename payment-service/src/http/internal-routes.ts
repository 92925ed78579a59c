import { Router } from '@koa/router';
import { AppError, authorize, z, parseInput } from '@shop/platform/runtime';
import { DEFAULT_CARD_TOKEN, isCardToken } from '../domain/card-processor.js';
import type { PaymentDesk } from '../domain/payments.js';
import type { PaymentTelemetry } from './payment-telemetry.js';

const chargeBody = z.strictObject({
  orderId: z.uuid(),
  customerId: z.string().min(1).max(128),
  amountCents: z.int().min(1).max(1_000_000_000_000),
  currency: z.literal('USD').default('USD'),
  token: z
    .string()
    .refine(isCardToken, 'must be a test card token such as tok_visa')
    .default(DEFAULT_CARD_TOKEN),
  /** ISO 8601 instant; a new charge arriving after it is refused (409 charge_deadline_passed). */
  deadline: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
});
const orderPath = z.object({ orderId: z.uuid() });
const refundBody = z.strictObject({
  /** Why order-service refunds; a caller that gives none is recorded as `unspecified`. */
  reason: z.enum(['order_cancelled', 'late_capture', 'unknown_order']).optional(),
});

// Customers hold a conditional read right on their own payments; the internal API is for the party that
// charges (service, admin), so every internal route first requires the right to create payments.
const chargingParty = authorize('create', 'Payment');

const REFUSALS = {
  deadline_passed: {
    code: 'charge_deadline_passed',
    message: 'The charge arrived after its deadline and was not processed; nothing was captured',
  },
  order_cancelled: {
    code: 'order_cancelled',
    message: 'The order was cancelled; the charge was not processed and nothing was captured',
  },
} as const;

/** Service-to-service routes of the order saga and its recovery worker (docs/architecture.md#the-order-saga). */
export function internalRoutes(desk: PaymentDesk, telemetry: PaymentTelemetry): Router {
  const router = new Router({ prefix: '/internal/payments' });

  router.post('/', chargingParty, async (ctx) => {
    const request = parseInput(chargeBody, ctx.request.body, 'body');
    const outcome = await desk.charge(request);
    if (outcome.kind === 'refused') {
      telemetry.refused(request.orderId, outcome.reason, request.deadline);
      const refusal = REFUSALS[outcome.reason];
      throw new AppError(refusal.code, refusal.message, 409, {
        details: {
          orderId: request.orderId,
          ...(request.deadline !== undefined && { deadline: request.deadline.toISOString() }),
        },
      });
    }
    const { payment, created } = outcome;
    if (created) telemetry.changed(payment.status === 'DECLINED' ? 'declined' : 'captured');
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

  router.post('/by-order/:orderId/refund', chargingParty, authorize('refund', 'Payment'), async (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    const reason = parseInput(refundBody, ctx.request.body ?? {}, 'body').reason ?? 'unspecified';
    const { payment, changed } = await desk.refundByOrder(orderId, reason);
    if (changed) telemetry.refunded(payment, reason);
    ctx.body = payment;
  });

  return router;
}
