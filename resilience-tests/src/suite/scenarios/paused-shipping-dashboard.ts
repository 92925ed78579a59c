import { newCustomer } from '../../accounts.js';
import { send, type Reply } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { unmetNeeds, waitFor } from '../target.js';

const NEEDED = [
  'api-gateway',
  'customer-service',
  'inventory-service',
  'order-service',
  'shipping-service',
  'notification-service',
];
/** The gateway's DASHBOARD_PART_TIMEOUT_MS (default): the deadline of each part. */
const PART_DEADLINE_MS = 800;
/** What the answer may take beyond the part deadline on a loaded machine: the other parts, the gateway's own work. */
const SLACK_MS = 1200;
const CALLS_WHILE_PAUSED = 5;

interface DashboardBody {
  profile?: unknown;
  shipments?: unknown;
  degraded?: unknown;
}

function degradedOf(reply: Reply): string {
  return JSON.stringify((reply.body as DashboardBody | undefined)?.degraded);
}

/**
 * The resilience pattern users see (docs/features/dashboard.md): shipping-service is paused (SIGSTOP: it
 * holds its connections and answers nothing), and the customer dashboard still answers 200 within its part
 * deadline, with `shipments: null` and `degraded: ["shipments"]`. Once shipping runs again, the dashboard is
 * whole again.
 */
export const pausedShippingDashboard: Scenario = {
  name: 'paused-shipping-dashboard',
  title: 'shipping-service paused (SIGSTOP): the dashboard degrades, still 200 in time',
  timeoutMs: 60_000,
  failing: ['shipping-service'],
  skipReason: (target) => unmetNeeds(target, NEEDED, { processControl: true }),
  async run({ target, checks, figures, progress }) {
    const platform = target.platform;
    if (!platform) return undefined;
    const customer = await newCustomer(target);
    const dashboard = () =>
      send(target.gatewayUrl, 'GET', '/api/customers/me/dashboard', {
        token: customer.token,
        timeoutMs: 10_000,
      });

    const before = await dashboard();
    checks.check(
      'the dashboard is whole before the fault',
      before.status === 200 && degradedOf(before) === '[]',
      `${before.status} degraded=${degradedOf(before)}`,
    );

    progress('pausing shipping-service (SIGSTOP)');
    const traffic = new Tally();
    platform.pause('shipping-service');
    try {
      for (let i = 0; i < CALLS_WHILE_PAUSED; i++) traffic.add(await dashboard());
    } finally {
      platform.resume('shipping-service');
    }
    const replies = traffic.replies;
    figures.dashboardMsWhilePaused = replies.map((r) => Math.round(r.ms));
    checks.none(
      'every dashboard while shipping is paused is 200 with degraded ["shipments"] and shipments null',
      replies
        .filter(
          (r) =>
            r.status !== 200 ||
            degradedOf(r) !== '["shipments"]' ||
            (r.body as DashboardBody | undefined)?.shipments !== null,
        )
        .map((r) => `${r.status} degraded=${degradedOf(r)}`),
    );
    checks.none(
      `each answers within the part deadline (${PART_DEADLINE_MS} ms + ${SLACK_MS} ms)`,
      replies.filter((r) => r.ms > PART_DEADLINE_MS + SLACK_MS).map((r) => `${Math.round(r.ms)} ms`),
    );
    checks.check(
      'the profile is still there',
      replies.every((r) => (r.body as DashboardBody | undefined)?.profile != null),
    );

    progress('shipping-service resumed; waiting for a whole dashboard');
    const healed = await waitFor(20_000, async () => {
      const reply = await dashboard();
      return reply.status === 200 && degradedOf(reply) === '[]' ? reply : undefined;
    });
    figures.wholeAgainAfterMs = healed.ms;
    checks.check(
      'the dashboard is whole again after shipping resumes',
      healed.value !== undefined,
      `${healed.ms} ms`,
    );
    return traffic.summary();
  },
};
