import { Router } from '@koa/router';
import { AppError, authorize, z, parseInput } from '@shop/platform/runtime';
import type { ReservationBook } from '../domain/reservations.js';

export const RESERVATION_OUTCOMES = [
  'reserved',
  'out_of_stock',
  'deadline_passed',
  'released',
  'committed',
] as const;
export type ReservationOutcome = (typeof RESERVATION_OUTCOMES)[number];

/** stock_reservations_total: counted once per state change, never for an idempotent repeat. */
export interface OutcomeCounter {
  inc(labels: { outcome: ReservationOutcome }): void;
}

const reserveBody = z.strictObject({
  orderId: z.uuid(),
  items: z
    .array(z.strictObject({ productId: z.int().min(1), quantity: z.int().min(1).max(10_000) }))
    .min(1)
    .max(100),
  /** ISO 8601 instant; a new reservation arriving after it is refused (409 reservation_deadline_passed). */
  deadline: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
});
const orderPath = z.object({ orderId: z.uuid() });

/** Service-to-service routes of the order saga (docs/architecture.md#the-order-saga); the gateway never routes /internal. */
export function reservationRoutes(book: ReservationBook, outcomes: OutcomeCounter): Router {
  const router = new Router({ prefix: '/internal/reservations' });

  router.post('/', authorize('create', 'Reservation'), async (ctx) => {
    const { orderId, items, deadline } = parseInput(reserveBody, ctx.request.body, 'body');
    const result = await book.reserve(orderId, items, deadline);
    switch (result.outcome) {
      case 'reserved':
        outcomes.inc({ outcome: 'reserved' });
        ctx.status = 201;
        ctx.body = result.reservation;
        return;
      case 'existing':
        ctx.status = 200;
        ctx.body = result.reservation;
        return;
      case 'out_of_stock': {
        outcomes.inc({ outcome: 'out_of_stock' });
        const { productId, requested, available } = result;
        throw new AppError('out_of_stock', `Not enough stock for product ${productId}`, 409, {
          details: { productId, requested, available },
        });
      }
      case 'deadline_passed':
        outcomes.inc({ outcome: 'deadline_passed' });
        throw new AppError(
          'reservation_deadline_passed',
          'The reservation arrived after its deadline and was not processed; nothing was reserved',
          409,
          { details: { orderId, deadline: result.deadline.toISOString() } },
        );
      case 'unknown_product':
        throw new AppError('unknown_product', `Unknown product(s): ${result.productIds.join(', ')}`, 422, {
          details: { productIds: result.productIds },
        });
    }
  });

  router.get('/:orderId', authorize('read', 'Reservation'), (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    ctx.body = book.get(orderId);
  });

  router.post('/:orderId/release', authorize('update', 'Reservation'), async (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    const { reservation, changed } = await book.release(orderId);
    if (changed) outcomes.inc({ outcome: 'released' });
    ctx.body = { orderId, status: reservation.status };
  });

  router.post('/:orderId/commit', authorize('update', 'Reservation'), async (ctx) => {
    const { orderId } = parseInput(orderPath, ctx.params, 'path');
    const { reservation, changed } = await book.commit(orderId);
    if (changed) outcomes.inc({ outcome: 'committed' });
    ctx.body = { orderId, status: reservation.status };
  });

  return router;
}
