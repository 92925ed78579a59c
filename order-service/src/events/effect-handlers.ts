import type { EventHandlers, Logger } from '@shop/platform/runtime';
import type { EffectReconciliation } from '../domain/effect-reconciliation.js';
import { applyOnce } from './apply-once.js';

/**
 * Thin consumers of payment's and inventory's facts (queue `order-service`): PaymentCaptured,
 * PaymentRefunded and StockReserved are checked against the order (src/domain/effect-reconciliation.ts).
 * The decision and its task commit with the inbox row; the task (a refund, a release) is then tried at once
 * and, if the dependency is down, retried by the recovery worker, so the event itself is never retried for it.
 */
export function effectEventHandlers(deps: {
  effects: EffectReconciliation;
  /** Runs the order's due follow-up tasks (the refund or release just scheduled). */
  runTasks: (orderId: string) => Promise<void>;
  logger: Logger;
}): EventHandlers {
  const { effects, runTasks, logger } = deps;

  return {
    PaymentCaptured: async (event, context) => {
      const { orderId, paymentId } = event.data;
      const outcome = await applyOnce(context, () => effects.paymentCaptured(event.data));
      if (outcome === undefined) return;
      const fields = { event: { id: event.id, type: event.type }, orderId, paymentId };
      switch (outcome.kind) {
        case 'owned':
        case 'pending':
        case 'refund_arranged':
          logger.debug('payment capture matches the order', { ...fields, outcome: outcome.kind });
          return;
        case 'foreign':
          logger.error('a confirmed order records another payment than the one captured', {
            ...fields,
            status: outcome.order.status,
            orderPaymentId: outcome.order.paymentId,
          });
          return;
        case 'refund_scheduled':
          logger.warn('payment captured for an order that will not be confirmed: refunding', {
            ...fields,
            reason: outcome.reason,
          });
          await runTasks(orderId);
          return;
      }
    },

    PaymentRefunded: async (event, context) => {
      const { orderId, paymentId } = event.data;
      const outcome = await applyOnce(context, () => effects.paymentRefunded(event.data));
      if (outcome === undefined) return;
      const fields = { event: { id: event.id, type: event.type }, orderId, paymentId };
      switch (outcome.kind) {
        case 'order_cancelled':
          logger.warn('the payment of a confirmed order was refunded: order cancelled', fields);
          await runTasks(orderId);
          return;
        case 'goods_left':
          logger.error('the payment of an order whose goods have left was refunded', {
            ...fields,
            status: outcome.order.status,
          });
          return;
        case 'no_effect':
          logger.debug('payment refund needs nothing from the order', { ...fields, status: outcome.status });
          return;
      }
    },

    StockReserved: async (event, context) => {
      const { orderId } = event.data;
      const outcome = await applyOnce(context, () => effects.stockReserved(event.data));
      if (outcome === undefined) return;
      const fields = { event: { id: event.id, type: event.type }, orderId, status: outcome.status };
      if (outcome.kind === 'no_effect') {
        logger.debug('stock reservation matches the order', fields);
        return;
      }
      logger.warn('stock reserved for an order that is cancelled or unknown: releasing', fields);
      await runTasks(orderId);
    },
  };
}
