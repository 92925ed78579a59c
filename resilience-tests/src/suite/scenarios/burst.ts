import { randomUUID } from 'node:crypto';
import { newCustomer } from '../../accounts.js';
import { startPlatform, type Platform } from '../../platform-runner.js';
import { errorShapeProblems } from '../error-shape.js';
import { errorCode, inParallel, send, type Reply } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { localTarget, missingServices, type SuiteTarget } from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service'];
// The order-placement budget (10 a minute per customer by default) needs these too; without them it is skipped.
const ORDERING = ['order-service', 'payment-service'];
const ORDER_BURST = 15;
// The dedicated stack's budgets, small enough to exhaust in a second.
const LIMITS = {
  RATE_LIMIT_ANONYMOUS_POINTS: '100',
  RATE_LIMIT_AUTH_POINTS: '30',
  RATE_LIMIT_LOGIN_IP_POINTS: '20',
};
const PRODUCT_BURST = 400;
const LOGIN_BURST = 60;
const CONCURRENCY = 50;

/**
 * Bursts of concurrent requests from one IP on /auth/login (wrong passwords) and anonymous /api/products:
 * the gateway answers 429 with Retry-After and RateLimit headers, never 5xx, and stays healthy for others.
 * Locally it runs on its own small stack with the gateway's real limiter (the shared stack is relaxed).
 */
export const burst: Scenario = {
  name: 'burst',
  title: `${LOGIN_BURST} logins + ${PRODUCT_BURST} product reads at ${CONCURRENCY} concurrent, ${ORDER_BURST} orders by one customer`,
  timeoutMs: 90_000,
  // Nothing fails: 429s are the limiter working, and 5xx would be a failure of its own.
  failing: [],
  skipReason: (target) => missingServices(target, NEEDED),
  async run({ target, checks, figures, progress }) {
    let own: Platform | undefined;
    let burstTarget: SuiteTarget = target;
    if (target.platform) {
      progress('starting a dedicated gateway + customer + inventory + order + payment with real rate limits');
      own = await startPlatform({
        services: [...NEEDED, ...ORDERING],
        rateLimits: 'service-defaults',
        serviceEnv: { 'api-gateway': LIMITS },
      });
      burstTarget = localTarget(own);
    }
    try {
      const customer = await newCustomer(burstTarget);
      const traffic = new Tally();

      const logins = await inParallel(Array.from({ length: LOGIN_BURST }), CONCURRENCY, () =>
        send(burstTarget.gatewayUrl, 'POST', '/auth/login', {
          body: { email: `nobody-${randomUUID().slice(0, 8)}@resilience.test`, password: 'Wrong-password-1' },
        }).then((r) => traffic.add(r)),
      );
      const reads = await inParallel(Array.from({ length: PRODUCT_BURST }), CONCURRENCY, () =>
        send(burstTarget.gatewayUrl, 'GET', '/api/products?limit=5').then((r) => traffic.add(r)),
      );
      figures.logins = tallyOf(logins).summary();
      figures.reads = tallyOf(reads).summary();

      checks.check(
        'login burst gets 429s',
        logins.some((r) => r.status === 429),
        breakdown(logins),
      );
      checks.check(
        'product burst gets 429s',
        reads.some((r) => r.status === 429),
        breakdown(reads),
      );
      checks.none(
        'every other login answer is 401 invalid credentials',
        logins
          .filter((r) => r.status !== 429 && r.status !== 401)
          .map((r) => `${r.status} ${errorCode(r) ?? ''}`),
      );
      checks.none(
        'no 5xx and no dropped connections',
        traffic.replies
          .filter((r) => r.status >= 500 || r.status === 0)
          .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
      );
      const limited = traffic.replies.filter((r) => r.status === 429);
      checks.none(
        '429s carry Retry-After and RateLimit-* headers, code rate_limited',
        limited
          .filter((r) => errorCode(r) !== 'order_rate_limited')
          .flatMap((r) => [
            ...(Number(r.headers['retry-after']) > 0
              ? []
              : [`Retry-After ${r.headers['retry-after'] ?? 'missing'}`]),
            ...(r.headers['ratelimit-limit'] && r.headers['ratelimit-remaining'] === '0'
              ? []
              : ['RateLimit-* missing']),
            ...(errorCode(r) === 'rate_limited' ? [] : [`code ${errorCode(r) ?? 'missing'}`]),
          ]),
      );
      checks.none(
        '429s have the error shape',
        limited.slice(0, 20).flatMap((r) => errorShapeProblems(r, '429')),
      );

      // One customer places ORDER_BURST orders at once: the per-customer placement budget answers 429.
      if (missingServices(burstTarget, ORDERING) === undefined) {
        const products = await send(burstTarget.gatewayUrl, 'GET', '/api/products?limit=1', {
          token: customer.token,
        });
        const productId = (products.body as { data?: { id?: number }[] } | undefined)?.data?.[0]?.id;
        const orders = await inParallel(Array.from({ length: ORDER_BURST }), CONCURRENCY, () =>
          send(burstTarget.gatewayUrl, 'POST', '/api/orders', {
            token: customer.token,
            body: { items: [{ productId, quantity: 1 }], payment: { token: 'tok_visa' } },
          }).then((r) => traffic.add(r)),
        );
        figures.orders = tallyOf(orders).summary();
        const refused = orders.filter((r) => r.status === 429);
        checks.check(
          'order burst gets 429s from the placement budget',
          refused.length > 0,
          breakdown(orders),
        );
        checks.none(
          'refused orders say order_rate_limited with Retry-After',
          refused.flatMap((r) => [
            ...(errorCode(r) === 'order_rate_limited' ? [] : [`code ${errorCode(r) ?? 'missing'}`]),
            ...(Number(r.headers['retry-after']) > 0 ? [] : ['Retry-After missing']),
          ]),
        );
      }

      const ready = await send(burstTarget.gatewayUrl, 'GET', '/health/ready');
      checks.check('the gateway stays ready', ready.status === 200, String(ready.status));
      const authenticated = await send(burstTarget.gatewayUrl, 'GET', '/api/products?limit=5', {
        token: customer.token,
      });
      checks.check(
        'a signed-in customer (own per-user budget) is still served',
        authenticated.status === 200,
        String(authenticated.status),
      );
      return traffic.summary();
    } finally {
      await own?.shutdown();
    }
  },
};

function tallyOf(replies: readonly Reply[]): Tally {
  const tally = new Tally();
  replies.forEach((r) => tally.add(r));
  return tally;
}

function breakdown(replies: readonly Reply[]): string {
  return JSON.stringify(tallyOf(replies).summary().breakdown);
}
