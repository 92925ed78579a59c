import { adminToken, newCustomer } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { errorShapeProblems } from '../error-shape.js';
import { errorCode, inParallel, send, type Reply } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, healFault, injectFault, unmetNeeds, placeOrder, waitFor } from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
const ORDERS = 8;

export interface SlowServiceSettings {
  /** Added to every payment call: above order-service's per-attempt timeout. */
  latencyMs: number;
}

/**
 * payment-service answers slower than order-service waits: the outcome of a charge is unknown, so orders
 * answer 202 PENDING (or 503 once order-service's breaker opens), never 500. After healing, the recovery
 * worker resolves every PENDING order by asking payment, and the invariants hold.
 */
export function slowService(settings: SlowServiceSettings): Scenario {
  return {
    name: 'slow-service',
    title: `payment-service +${settings.latencyMs} ms (above the order timeout)`,
    timeoutMs: 150_000,
    failing: ['payment-service'],
    skipReason: (target) => unmetNeeds(target, NEEDED, { chaos: true }),
    async run({ target, checks, figures, progress }) {
      const customer = await newCustomer(target);
      const product = await createProduct(target, 1000);
      progress(`payment-service +${settings.latencyMs} ms latency`);
      await injectFault(target, 'payment-service', { latencyMs: settings.latencyMs, durationMs: 120_000 });

      const traffic = new Tally();
      try {
        await inParallel(Array.from({ length: ORDERS }), 2, () =>
          placeOrder(target, customer.token, product.id, 1, { timeoutMs: 20_000 }).then((r) =>
            traffic.add(r),
          ),
        );
      } finally {
        await healFault(target, 'payment-service');
      }
      progress('healed; waiting for the recovery worker');

      const accepted = traffic.replies.filter((r) => r.status === 202);
      checks.check(
        'some orders answer 202 PENDING (outcome unknown)',
        accepted.length > 0,
        `${accepted.length}/${ORDERS}`,
      );
      checks.none(
        '202 bodies show the order PENDING',
        accepted
          .filter((r) => (r.body as { status?: unknown } | undefined)?.status !== 'PENDING')
          .map((r) => r.text.slice(0, 100)),
      );
      checks.none(
        'no 500/504: every reply is 201, 202 or 503 unavailable',
        traffic.replies
          .filter((r) => ![201, 202, 503].includes(r.status))
          .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
      );
      checks.none(
        'errors have the right shape',
        traffic.replies
          .filter((r) => r.status >= 400)
          .flatMap((r) => errorShapeProblems(r, 'POST /api/orders')),
      );

      const ids = accepted
        .map((r) => (r.body as { id?: unknown } | undefined)?.id)
        .filter((id): id is string => typeof id === 'string');
      const healedAt = Date.now();
      const resolved = await waitFor(
        60_000,
        async () => {
          const replies = await Promise.all(
            ids.map((id) => send(target.gatewayUrl, 'GET', `/api/orders/${id}`, { token: customer.token })),
          );
          return replies.every((r) => statusOf(r) !== 'PENDING' && r.status === 200) ? replies : undefined;
        },
        500,
      );
      const resolveSeconds = Number(((Date.now() - healedAt) / 1000).toFixed(1));
      figures.resolveSeconds = resolveSeconds;
      const finals: Record<string, number> = {};
      for (const reply of resolved.value ?? []) finals[statusOf(reply)] = (finals[statusOf(reply)] ?? 0) + 1;
      figures.pendingResolvedTo = finals;
      checks.check(
        'the recovery worker resolves every PENDING order after healing',
        resolved.value !== undefined,
        resolved.value
          ? `${ids.length} resolved in ${resolveSeconds} s: ${JSON.stringify(finals)}`
          : 'still PENDING',
      );

      if (target.platform) {
        checks.none(
          'saga invariants hold (stock, payments, nothing PENDING)',
          await eventuallyInvariants(target.platform, { timeoutMs: 30_000, pendingDeadlineMs: 0 }),
        );
      } else {
        const admin = await adminToken(target);
        const pending = await send(target.gatewayUrl, 'GET', '/api/orders?status=PENDING&limit=1', {
          token: admin,
        });
        const total = (pending.body as { pagination?: { total?: unknown } } | undefined)?.pagination?.total;
        checks.check('no order is left PENDING (admin API)', total === 0, `PENDING total ${String(total)}`);
      }
      return traffic.summary();
    },
  };
}

function statusOf(reply: Reply): string {
  const status = (reply.body as { status?: unknown } | undefined)?.status;
  return typeof status === 'string' ? status : `http ${reply.status}`;
}
