import { setTimeout as sleep } from 'node:timers/promises';
import { eventuallyInvariants } from '../../invariants.js';
import { newCustomer } from '../../accounts.js';
import { errorShapeProblems } from '../error-shape.js';
import { errorCode, inParallel } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, placeOrder, productStock, unmetNeeds, waitFor } from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
const ORDERS_DURING_OUTAGE = 30;

/**
 * payment-service is killed (SIGKILL) mid-traffic: orders must fail fast with 503 dependency_unavailable
 * (order-service's breaker / connection refused, known not to have charged), release their stock, and
 * succeed again once it is back. The gateway passes those 503s through: its breakers on order-service,
 * which is healthy, must not open (that would answer upstream_unavailable).
 */
export const deadService: Scenario = {
  name: 'dead-service',
  title: 'payment-service killed mid-traffic',
  timeoutMs: 120_000,
  failing: ['payment-service'],
  skipReason: (target) => unmetNeeds(target, NEEDED, { processControl: true }),
  async run({ target, checks, figures, progress }) {
    const platform = target.platform;
    if (!platform) return undefined;
    const customer = await newCustomer(target);
    const product = await createProduct(target, 1000);

    const before = await inParallel([1, 2, 3], 3, () => placeOrder(target, customer.token, product.id));
    checks.check(
      'orders succeed before the fault',
      before.every((r) => r.status === 201),
      before.map((r) => r.status).join(','),
    );

    progress('killing payment-service (SIGKILL) with orders in flight');
    const traffic = new Tally();
    const inFlight = inParallel(Array.from({ length: 6 }), 3, () =>
      placeOrder(target, customer.token, product.id).then((r) => traffic.add(r)),
    );
    await platform.kill('payment-service', 'SIGKILL');
    await inFlight;
    // Let the in-flight orders' compensations land before taking the reference figure.
    await sleep(1000);
    const stockBeforeOutage = await productStock(target, product.id);
    await inParallel(Array.from({ length: ORDERS_DURING_OUTAGE }), 5, () =>
      placeOrder(target, customer.token, product.id).then((r) => traffic.add(r)),
    );

    const afterKill = traffic.replies.slice(6);
    checks.none(
      'no 500s, no timeouts: every order while payment is down is 503 dependency_unavailable',
      afterKill
        .filter((r) => r.status !== 503 || errorCode(r) !== 'dependency_unavailable')
        .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
    );
    checks.none(
      '503s carry Retry-After and the error shape',
      afterKill
        .filter((r) => r.status === 503)
        .flatMap((r) => [
          ...errorShapeProblems(r, 'POST /api/orders'),
          ...(r.headers['retry-after'] ? [] : ['503 without Retry-After']),
        ]),
    );
    checks.check('nothing answered 500 during the kill', traffic.count((r) => r.status === 500) === 0);
    const outage = traffic.summary((r) => traffic.replies.indexOf(r) >= 6);
    figures.outage = outage;
    // "Fast" means the breaker or a refused connection answered, not a timeout: well under one upstream timeout.
    checks.check('503s are fast (p99 < 1000 ms)', outage.p99Ms < 1000, `p99 ${outage.p99Ms.toFixed(1)} ms`);

    // Compensations (release) may finish just after the 503 went out: give them a moment.
    let stockAfterOutage: number | undefined;
    await waitFor(10_000, async () => {
      stockAfterOutage = await productStock(target, product.id);
      return stockAfterOutage === stockBeforeOutage ? true : undefined;
    });
    checks.check(
      'stock is restored after the failed orders',
      stockBeforeOutage !== undefined && stockAfterOutage === stockBeforeOutage,
      `before ${stockBeforeOutage ?? '?'}, after ${stockAfterOutage ?? '?'}`,
    );

    progress('restarting payment-service');
    const restartedAt = Date.now();
    await platform.start('payment-service');
    const recovered = await waitFor(
      45_000,
      async () => {
        const reply = await placeOrder(target, customer.token, product.id);
        traffic.add(reply);
        return reply.status === 201 ? reply : undefined;
      },
      500,
    );
    const recoverySeconds = Number(((Date.now() - restartedAt) / 1000).toFixed(1));
    figures.recoverySeconds = recoverySeconds;
    checks.check(
      'orders succeed again after the restart',
      recovered.value !== undefined,
      `after ${recoverySeconds} s`,
    );
    const after = await inParallel([1, 2, 3, 4, 5], 5, () => placeOrder(target, customer.token, product.id));
    checks.check(
      'every order after recovery is 201',
      after.every((r) => r.status === 201),
      after.map((r) => r.status).join(','),
    );

    const violations = await eventuallyInvariants(platform, { timeoutMs: 30_000, pendingDeadlineMs: 0 });
    checks.none('saga invariants hold (stock, payments, nothing PENDING)', violations);
    return traffic.summary();
  },
};
