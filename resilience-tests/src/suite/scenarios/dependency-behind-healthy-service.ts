import { setTimeout as sleep } from 'node:timers/promises';
import { newCustomer } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { errorShapeProblems } from '../error-shape.js';
import { errorCode, send, type Reply } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import {
  createProduct,
  gatewayHealth,
  healFault,
  injectFault,
  unmetNeeds,
  placeOrder,
  waitFor,
  type SuiteTarget,
} from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
const ORDERS = 12;
/** Reads go on this long after the last order, so a breaker that the orders opened would show on them. */
const READS_AFTER_MS = 2000;
/** One round of B's reads at most this often: B's own budget (600 a minute by default) must last. */
const ROUND_EVERY_MS = 150;

/**
 * payment-service fails every call (chaos errorRate 1) behind a healthy order-service. Customer A keeps
 * placing orders: they degrade (202 PENDING while the outcome is unknown, then 503 dependency_unavailable
 * once order-service's own breaker on payment opens). Meanwhile customer B reads orders, products, their
 * profile and shipments: every read answers 200, and the gateway's breakers on order-service stay closed,
 * because a prompt, structured "my dependency is unavailable" is not a failure of order-service.
 */
export const dependencyBehindHealthyService: Scenario = {
  name: 'dependency-behind-healthy-service',
  title: `payment-service errorRate 1 behind a healthy order-service; ${ORDERS} orders and other customers' reads`,
  timeoutMs: 120_000,
  failing: ['payment-service'],
  skipReason: (target) => unmetNeeds(target, NEEDED, { chaos: true }),
  async run({ target, checks, figures, progress }) {
    const [customerA, customerB] = await Promise.all([newCustomer(target), newCustomer(target)]);
    const product = await createProduct(target, 1000);
    // Also the baseline: order-service's own breaker on payment may still be open from an earlier scenario.
    const before = await waitFor(
      20_000,
      async () => {
        const reply = await placeOrder(target, customerB.token, product.id);
        return reply.status === 201 ? reply : undefined;
      },
      500,
    );
    const bOrderId = (before.value?.body as { id?: unknown } | undefined)?.id;
    checks.check(
      'customer B has an order before the fault',
      before.value !== undefined,
      `after ${(before.ms / 1000).toFixed(1)} s`,
    );

    progress('payment-service errorRate 1');
    await injectFault(target, 'payment-service', { errorRate: 1, durationMs: 120_000 });
    const orders = new Tally();
    const reads = new Tally();
    const breakerStates = new Set<string>();
    let ordersDoneAt: number | undefined;
    try {
      const reader = (async () => {
        while (ordersDoneAt === undefined || Date.now() - ordersDoneAt < READS_AFTER_MS) {
          const pace = sleep(ROUND_EVERY_MS);
          const round = await readRound(target, customerB.token, product.id, bOrderId);
          round.forEach((reply) => reads.add(reply));
          const lanes = (await gatewayHealth(target))?.breakers['order-service'] ?? {};
          for (const [routeClass, state] of Object.entries(lanes))
            breakerStates.add(`${routeClass} ${state}`);
          await pace;
        }
      })();
      for (let i = 0; i < ORDERS; i++) orders.add(await placeOrder(target, customerA.token, product.id));
      ordersDoneAt = Date.now();
      await reader;
    } finally {
      ordersDoneAt ??= Date.now();
      await healFault(target, 'payment-service');
    }
    figures.orders = orders.summary().breakdown;
    figures.reads = reads.summary().breakdown;
    figures.orderServiceBreakersSeen = [...breakerStates].sort();

    checks.none(
      "customer A's orders degrade: 202 PENDING or 503 dependency_unavailable, never 500/504 or upstream_unavailable",
      orders.replies
        .filter((r) => !(r.status === 202 || (r.status === 503 && errorCode(r) === 'dependency_unavailable')))
        .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
    );
    checks.check(
      'the gateway passes order-service’s 503 dependency_unavailable through',
      orders.count((r) => errorCode(r) === 'dependency_unavailable') > 0,
      JSON.stringify(figures.orders),
    );
    checks.none(
      '503s carry Retry-After and the error shape',
      orders.replies
        .filter((r) => r.status === 503)
        .flatMap((r) => [
          ...errorShapeProblems(r, 'POST /api/orders'),
          ...(r.headers['retry-after'] ? [] : ['503 without Retry-After']),
        ]),
    );
    checks.none(
      "customer B's reads all answer 200 throughout",
      reads.replies
        .filter((r) => r.status !== 200)
        .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
    );
    checks.check(
      'customer B read throughout (at least one round per order)',
      reads.replies.length >= ORDERS,
      `${reads.replies.length} reads`,
    );
    checks.none(
      'the gateway’s breakers on order-service stay closed',
      [...breakerStates].filter((state) => !state.endsWith(' closed')),
    );

    progress('healed; waiting for orders to succeed again');
    const healedAt = Date.now();
    const recovered = await waitFor(
      45_000,
      async () => {
        const reply = await placeOrder(target, customerA.token, product.id);
        return reply.status === 201 ? reply : undefined;
      },
      500,
    );
    figures.recoverySeconds = Number(((Date.now() - healedAt) / 1000).toFixed(1));
    checks.check(
      'orders succeed again after healing',
      recovered.value !== undefined,
      `after ${String(figures.recoverySeconds)} s`,
    );
    if (target.platform) {
      checks.none(
        'saga invariants hold (stock, payments, nothing PENDING)',
        await eventuallyInvariants(target.platform, { timeoutMs: 30_000, pendingDeadlineMs: 0 }),
      );
    }
    const traffic = new Tally();
    [...orders.replies, ...reads.replies].forEach((reply) => traffic.add(reply));
    return traffic.summary();
  },
};

/** One round of customer B's reads: nothing here needs payment-service. */
async function readRound(
  target: SuiteTarget,
  token: string,
  productId: number,
  orderId: unknown,
): Promise<Reply[]> {
  const paths = ['/api/orders', `/api/products/${productId}`, '/api/products?limit=5', '/api/customers/me'];
  if (typeof orderId === 'string') paths.push(`/api/orders/${orderId}`);
  if (target.services.includes('shipping-service') && typeof orderId === 'string') {
    paths.push(`/api/shipments?orderId=${orderId}`);
  }
  if (target.services.includes('notification-service')) paths.push('/api/notifications?limit=5');
  return Promise.all(paths.map((path) => send(target.gatewayUrl, 'GET', path, { token })));
}
