import { withSpan, type Logger } from '@shop/platform/runtime';
import { chargeFinalAt, deadlineAfter, type DeadlinePolicy } from './call-deadlines.js';
import type { Order, OrderRecord, RequestedLine } from './order.js';
import type { OrderLifecycle } from './order-lifecycle.js';
import type { TaskRunner } from './follow-up-tasks.js';
import type {
  Clock,
  InventoryPort,
  OrderEventHooks,
  OrderMetrics,
  OrderStore,
  PaymentPort,
} from './ports.js';
import { decideAfterCharge, decideAfterReservation, type Rejection } from './saga-decisions.js';

export interface PlaceOrderCommand {
  customerId: string;
  /** Distinct products, positive quantities (validated and merged by the caller). */
  lines: RequestedLine[];
  paymentToken: string;
  /** The request's correlation ID, stored on the order so its recovery can publish events under it. */
  correlationId?: string | undefined;
}

export type PlaceOrderOutcome =
  | { kind: 'confirmed'; order: Order }
  | { kind: 'pending'; order: Order }
  | { kind: 'rejected'; order: Order; rejection: Rejection };

export interface SagaSettings {
  /** Retry-After for a 503 when the failing dependency did not suggest one. */
  retryAfterSeconds: number;
  /** The deadlines the reservation and the charge carry. */
  deadlines: DeadlinePolicy;
}

export interface OrderSaga {
  /**
   * Runs docs/architecture.md#the-order-saga for one order. `inCreation` runs inside the transaction that creates the order (the
   * idempotency record links itself to the order there).
   */
  placeOrder(command: PlaceOrderCommand, inCreation?: (orderId: string) => void): Promise<PlaceOrderOutcome>;
}

/**
 * The order saga, orchestrated: create PENDING -> reserve at inventory -> charge at payment -> CONFIRMED,
 * compensating on every failure whose outcome is known and parking the order for the recovery worker when
 * it is not. Orders being worked on are in `inFlight`, so the worker and cancellations leave them alone.
 */
export function createOrderSaga(deps: {
  store: OrderStore;
  inventory: InventoryPort;
  payment: PaymentPort;
  lifecycle: OrderLifecycle;
  tasks: TaskRunner;
  clock: Clock;
  hooks: OrderEventHooks;
  metrics: OrderMetrics;
  inFlight: Set<string>;
  logger: Logger;
  newId: () => string;
  settings: SagaSettings;
}): OrderSaga {
  const { store, inventory, payment, lifecycle, tasks, clock, hooks, metrics, inFlight, logger, settings } =
    deps;

  function current(orderId: string): OrderRecord {
    return store.find(orderId) as OrderRecord;
  }

  function pending(orderId: string): PlaceOrderOutcome {
    logger.warn('order outcome unknown: left PENDING for the recovery worker', { orderId });
    return { kind: 'pending', order: current(orderId) };
  }

  async function reject(orderId: string, rejection: Rejection): Promise<PlaceOrderOutcome> {
    await tasks.runForOrder(orderId, clock.now());
    return { kind: 'rejected', order: current(orderId), rejection };
  }

  async function run(
    order: OrderRecord,
    command: PlaceOrderCommand,
    reserveDeadline: Date,
  ): Promise<PlaceOrderOutcome> {
    const reservation = await withSpan(
      'saga reserve stock',
      () => inventory.reserve(order.id, command.lines, reserveDeadline),
      { 'order.id': order.id },
    );
    const afterReservation = decideAfterReservation(
      order.id,
      command.lines,
      reservation,
      settings.retryAfterSeconds,
    );
    if (afterReservation.next === 'park') return pending(order.id);
    if (afterReservation.next === 'cancel') {
      logger.info('order cancelled', { orderId: order.id, reason: afterReservation.reason });
      lifecycle.cancel(
        order.id,
        'PENDING',
        afterReservation.reason,
        { release: afterReservation.release, refund: false },
        clock.now(),
      );
      return reject(order.id, afterReservation.rejection);
    }

    // Recorded before payment is called: from here on a charge may exist, and recovery must ask payment.
    const pricedAt = clock.now();
    const chargeDeadline = deadlineAfter(pricedAt, settings.deadlines);
    store.transaction(() => {
      store.price(
        order.id,
        afterReservation.lines,
        afterReservation.totalCents,
        afterReservation.currency,
        pricedAt.toISOString(),
      );
      store.startCharging(order.id, chargeDeadline.toISOString(), pricedAt.toISOString());
    });

    const charge = await withSpan(
      'saga charge payment',
      () =>
        payment.charge({
          orderId: order.id,
          customerId: command.customerId,
          amountCents: afterReservation.totalCents,
          currency: afterReservation.currency,
          token: command.paymentToken,
          deadline: chargeDeadline,
        }),
      { 'order.id': order.id },
    );
    const afterCharge = decideAfterCharge(order.id, charge, settings.retryAfterSeconds);
    if (afterCharge.next === 'park') return pending(order.id);
    if (afterCharge.next === 'cancel') {
      logger.info('order cancelled', { orderId: order.id, reason: afterCharge.reason });
      const now = clock.now();
      // An earlier attempt may still land until the charge's deadline: payment is asked again after it.
      const finalAt = chargeFinalAt(
        { ...order, chargeDeadline: chargeDeadline.toISOString() },
        settings.deadlines,
      );
      lifecycle.cancel(
        order.id,
        'PENDING',
        afterCharge.reason,
        {
          release: true,
          refund: false,
          reconcilePaymentAt: afterCharge.reconcilePayment
            ? new Date(Math.max(now.getTime(), finalAt.getTime()))
            : undefined,
        },
        now,
      );
      return reject(order.id, afterCharge.rejection);
    }

    const now = clock.now();
    const confirmed = lifecycle.confirm(order.id, afterCharge.paymentId, now);
    if (confirmed === undefined) {
      // Cancelled while the charge was in flight: the refund is tried before the answer, as a cancel's is.
      await tasks.runForOrder(order.id, now);
      return {
        kind: 'rejected',
        order: current(order.id),
        rejection: {
          status: 409,
          code: 'order_cancelled',
          message: 'The order was cancelled while being placed',
        },
      };
    }
    // The commit of the reservation is a task written with the confirmation: the answer does not wait for it
    // (the units left the stock at the reservation already, and the worker retries a commit that fails).
    tasks.startForOrder(order.id, now);
    logger.info('order confirmed', { orderId: order.id, totalCents: afterReservation.totalCents });
    return { kind: 'confirmed', order: current(order.id) };
  }

  return {
    async placeOrder(command, inCreation) {
      const createdAt = clock.now();
      const reserveDeadline = deadlineAfter(createdAt, settings.deadlines);
      const id = deps.newId();
      inFlight.add(id);
      try {
        const order = store.transaction(() => {
          const created = store.insert({
            id,
            customerId: command.customerId,
            lines: command.lines,
            correlationId: command.correlationId,
            createdAt: createdAt.toISOString(),
            reserveDeadline: reserveDeadline.toISOString(),
          });
          inCreation?.(id);
          hooks.onOrderCreated(created);
          return created;
        });
        metrics.entered('PENDING');
        try {
          return await withSpan('saga place order', () => run(order, command, reserveDeadline), {
            'order.id': id,
          });
        } catch (error) {
          // Whatever failed here (a bug, the disk), the order exists: PENDING is the truth, and the recovery
          // worker resolves it like any other order whose outcome is unknown.
          logger.error('order saga failed unexpectedly', { orderId: id, err: error as Error });
          return { kind: 'pending', order: current(id) };
        }
      } finally {
        inFlight.delete(id);
      }
    },
  };
}
