import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { newCustomer, signToken, type TestCustomer } from '../../accounts.js';
import { queuesOf } from '../../dead-letters.js';
import { eventuallyInvariants } from '../../invariants.js';
import { openPlatformTransport } from '../../platform-events.js';
import { metricValue } from '../../metrics-reader.js';
import type { Platform } from '../../platform-runner.js';
import { send, type Reply } from '../http.js';
import type { Checks, Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import {
  createProduct,
  healFault,
  injectFault,
  unmetNeeds,
  placeOrder,
  productStock,
  waitFor,
  type SuiteTarget,
} from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
/** Orders placed at once while the dependency holds requests: every charge lands in the fault window. */
const ORDERS = 4;
const CONFIRMED_LIKE = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

export interface LateCaptureSettings {
  /**
   * How long payment (then inventory) holds each request: above order-service's ORDER_CALL_DEADLINE_MS,
   * so the held charges and reservations arrive after their deadline.
   */
  holdMs: number;
  /** How long the hold applies to new requests (the orders are placed at once, inside it). */
  windowMs: number;
}

interface OrderOutcome {
  id: string;
  status: string;
  cancelReason: string | undefined;
}

/**
 * Issue 8: a charge held up on its way to payment lands after the order gave up on it. payment-service and
 * inventory-service hold every request for longer than order-service's call deadline, for a moment; the
 * orders placed then answer 202 PENDING. The held charges and reservations land after their deadline and
 * are refused, the orders end CANCELLED (or CONFIRMED when a retry escaped the window), and no capture or
 * reservation stays without its order. On a started stack, a capture nobody ordered (an internal charge
 * for an unknown order) is refunded by order-service within its bound, and the invariants hold with it.
 */
export function lateCapture(settings: LateCaptureSettings): Scenario {
  return {
    name: 'late-capture',
    title: `charges and reservations held ${settings.holdMs} ms, past their deadline`,
    timeoutMs: 180_000,
    // Payment, then inventory, hold new requests past their deadline.
    failing: ['payment-service', 'inventory-service'],
    skipReason: (target) => unmetNeeds(target, NEEDED, { chaos: true }),
    async run({ target, platform, checks, figures, progress }) {
      const customer = await newCustomer(target);
      const product = await createProduct(target, 1000);
      const traffic = new Tally();
      const counters = platform ? await refusalCounters(platform) : undefined;

      progress(`payment-service holds requests ${settings.holdMs} ms; ${ORDERS} orders at once`);
      const charged = await heldOrders(target, customer, product.id, 'payment-service', settings, traffic);
      progress(`inventory-service holds requests ${settings.holdMs} ms; ${ORDERS} orders at once`);
      const reserved = await heldOrders(target, customer, product.id, 'inventory-service', settings, traffic);

      const pending = [...charged, ...reserved].filter((reply) => reply.status === 202);
      checks.check(
        'orders whose call is held answer 202 PENDING',
        pending.length > 0,
        `${pending.length}/${2 * ORDERS} answered 202`,
      );
      checks.none(
        'no 500/504: every reply is 201, 202 or 503',
        traffic.replies
          .filter((reply) => ![201, 202, 503].includes(reply.status))
          .map((reply) => `${reply.status} ${reply.text.slice(0, 80)}`),
      );

      const ids = pending.map(orderIdOf).filter((id): id is string => id !== undefined);
      const started = Date.now();
      const outcomes = await waitFor(
        60_000,
        async () => {
          const read = await Promise.all(ids.map((id) => readOrder(target, customer, id)));
          return read.every((order) => order !== undefined && order.status !== 'PENDING')
            ? (read as OrderOutcome[])
            : undefined;
        },
        500,
      );
      const resolveSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
      figures.resolveSeconds = resolveSeconds;
      figures.resolvedTo = tallyBy(outcomes.value ?? [], (order) =>
        order.cancelReason ? `${order.status} ${order.cancelReason}` : order.status,
      );
      checks.check(
        'every PENDING order is resolved',
        outcomes.value !== undefined,
        outcomes.value ? `${ids.length} in ${resolveSeconds} s` : 'some still PENDING after 60 s',
      );

      // The held calls land `holdMs` after they were sent; give them that long before judging.
      await sleep(settings.holdMs);
      checks.none('no money without an order: a cancelled order has no captured payment', [
        ...(await moneyProblems(target, customer, outcomes.value ?? [])),
      ]);
      // One unit per order: those confirmed at once (201) and those confirmed by recovery.
      const sold = traffic.count((reply) => reply.status === 201) + confirmedUnits(outcomes.value ?? []);
      const stock = await waitFor(30_000, async () =>
        (await productStock(target, product.id)) === product.stock - sold ? true : undefined,
      );
      checks.check(
        'stock of the product = initial - units of confirmed orders (late reservations released or refused)',
        stock.value === true,
        `stock ${String(await productStock(target, product.id))}, initial ${product.stock}, sold ${sold}`,
      );

      if (platform && counters) {
        const after = await refusalCounters(platform);
        figures.refusedCharges = after.charges - counters.charges;
        figures.refusedReservations = after.reservations - counters.reservations;
        checks.check(
          'late charges and reservations were refused past their deadline',
          after.charges > counters.charges && after.reservations > counters.reservations,
          `charges refused: ${after.charges - counters.charges}, reservations refused: ` +
            `${after.reservations - counters.reservations}`,
        );
        await strayCapture(platform, target, customer, checks, figures, progress);
        const boundMs = await refundBound(platform);
        checks.none(
          `saga invariants hold (money bound ${boundMs / 1000} s)`,
          await eventuallyInvariants(platform, {
            timeoutMs: 30_000,
            pendingDeadlineMs: 0,
            refundBoundMs: boundMs,
          }),
        );
      }
      return traffic.summary();
    },
  };
}

/** Places ORDERS orders at once while `service` holds new requests, then heals it (held ones stay held). */
async function heldOrders(
  target: SuiteTarget,
  customer: TestCustomer,
  productId: number,
  service: string,
  settings: LateCaptureSettings,
  traffic: Tally,
): Promise<Reply[]> {
  await injectFault(target, service, { latencyMs: settings.holdMs, durationMs: settings.windowMs });
  try {
    return await Promise.all(
      Array.from({ length: ORDERS }, () =>
        placeOrder(target, customer.token, productId, 1, { timeoutMs: 30_000 }).then((r) => traffic.add(r)),
      ),
    );
  } finally {
    await healFault(target, service);
  }
}

function orderIdOf(reply: Reply): string | undefined {
  const id = (reply.body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

async function readOrder(
  target: SuiteTarget,
  customer: TestCustomer,
  id: string,
): Promise<OrderOutcome | undefined> {
  const reply = await send(target.gatewayUrl, 'GET', `/api/orders/${id}`, { token: customer.token });
  const body = reply.body as { status?: unknown; cancelReason?: unknown } | undefined;
  if (reply.status !== 200 || typeof body?.status !== 'string') return undefined;
  return {
    id,
    status: body.status,
    cancelReason: typeof body.cancelReason === 'string' ? body.cancelReason : undefined,
  };
}

/** Through the public API, as the customer: a cancelled order's payment is absent or refunded, a confirmed one's captured. */
async function moneyProblems(
  target: SuiteTarget,
  customer: TestCustomer,
  orders: readonly OrderOutcome[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const order of orders) {
    const reply = await send(target.gatewayUrl, 'GET', `/api/payments?orderId=${order.id}`, {
      token: customer.token,
    });
    const payment = (reply.body as { data?: { status?: string }[] } | undefined)?.data?.[0];
    const status = reply.status === 404 ? 'none' : (payment?.status ?? `http ${reply.status}`);
    const expected = CONFIRMED_LIKE.has(order.status) ? ['CAPTURED'] : ['none', 'REFUNDED', 'DECLINED'];
    if (!expected.includes(status))
      problems.push(`order ${order.id} is ${order.status}, its payment ${status}`);
  }
  return problems;
}

function confirmedUnits(orders: readonly OrderOutcome[]): number {
  return orders.filter((order) => CONFIRMED_LIKE.has(order.status)).length;
}

async function refusalCounters(platform: Platform): Promise<{ charges: number; reservations: number }> {
  const [charges, reservations] = await Promise.all([
    metricValue(platform.urls['payment-service'] ?? '', 'payment_charges_refused_total', {
      reason: 'deadline_passed',
    }),
    metricValue(platform.urls['inventory-service'] ?? '', 'stock_reservations_total', {
      outcome: 'deadline_passed',
    }),
  ]);
  return { charges: charges ?? 0, reservations: reservations ?? 0 };
}

/** order-service's own statement of its refund bound (order_refund_bound_seconds). */
async function refundBound(platform: Platform): Promise<number> {
  const seconds = await metricValue(platform.urls['order-service'] ?? '', 'order_refund_bound_seconds');
  if (seconds === undefined) throw new Error('order-service does not expose order_refund_bound_seconds');
  return seconds * 1000;
}

/**
 * A capture order-service never asked for (charged straight at payment's internal API, for the customer, on
 * an order that does not exist): order-service learns it from PaymentCaptured and refunds it. The refund's
 * PaymentRefunded names that order too; it is legitimate, so no consumer may dead-letter it:
 * notification-service verifies the refund with payment-service and tells the customer.
 */
async function strayCapture(
  platform: Platform,
  target: SuiteTarget,
  customer: TestCustomer,
  checks: Checks,
  figures: Record<string, unknown>,
  progress: (message: string) => void,
): Promise<void> {
  const paymentUrl = platform.urls['payment-service'] ?? '';
  const token = signToken(platform.jwt, { id: 'service:resilience-suite', role: 'service' });
  const orderId = randomUUID();
  progress('a capture for an order that does not exist');
  const charged = await send(paymentUrl, 'POST', '/internal/payments', {
    token,
    body: { orderId, customerId: customer.id, amountCents: 999 },
  });
  checks.check('payment captures a charge for an unknown order', charged.status === 201, `${charged.status}`);
  const boundMs = await refundBound(platform);
  const started = Date.now();
  const refunded = await waitFor(boundMs, async () => {
    const reply = await send(paymentUrl, 'GET', `/internal/payments/by-order/${orderId}`, { token });
    const body = reply.body as { status?: string; refundReason?: string } | undefined;
    return body?.status === 'REFUNDED' ? body : undefined;
  });
  const refundSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
  figures.strayRefundSeconds = refundSeconds;
  checks.check(
    'order-service refunds the capture nobody ordered (unknown_order) within its bound',
    refunded.value?.refundReason === 'unknown_order',
    refunded.value
      ? `refunded in ${refundSeconds} s (${refunded.value.refundReason ?? 'no reason'}), bound ${boundMs / 1000} s`
      : `still not refunded after ${boundMs / 1000} s`,
  );
  const told = await waitFor(20_000, async () => {
    const reply = await send(
      target.gatewayUrl,
      'GET',
      '/api/notifications?eventType=PaymentRefunded&limit=100',
      {
        token: customer.token,
      },
    );
    const data = (reply.body as { data?: { body?: string; status?: string }[] } | undefined)?.data ?? [];
    return data.find((notification) => notification.body?.includes(orderId));
  });
  checks.check(
    'its PaymentRefunded (unknown_order) is handled, not dead-lettered: the customer is told of the refund',
    told.value?.status === 'SENT',
    told.value ? `notification ${told.value.status ?? '?'}` : 'no notification after 20 s',
  );
  const bus = await openPlatformTransport(platform);
  try {
    const letters = (
      await Promise.all(
        queuesOf(platform).map(async (queue) =>
          (await bus.listDeadLetters(queue).catch(() => [])).map((letter) => ({ queue, letter })),
        ),
      )
    )
      .flat()
      .filter(({ letter }) => letter.body.includes(orderId));
    checks.none(
      'no consumer dead-lettered an event about the capture nobody ordered',
      letters.map(
        ({ queue, letter }) => `${queue}: ${letter.type ?? '?'} ${letter.reason} ${letter.error ?? ''}`,
      ),
    );
  } finally {
    await bus.close();
  }
}

function tallyBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
