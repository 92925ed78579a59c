import { setTimeout as sleep } from 'node:timers/promises';
import { newCustomer } from '../../accounts.js';
import { errorShapeProblems } from '../error-shape.js';
import { errorCode, inParallel, send } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { gatewayHealth, healFault, injectFault, unmetNeeds, waitFor } from '../target.js';

const NEEDED = ['api-gateway', 'inventory-service'];
const READS = 80;
// The escalation's bound: twice the gateway's default breaker window (10 s). Once a whole window holds only
// failing reads, whatever succeeded before it (an earlier burst of hundreds of reads) has rolled out.
const ESCALATION_MS = 20_000;
// Paced so that the whole escalation stays inside one customer's budget (600 per minute by default).
const ESCALATION_BATCH = 5;
const ESCALATION_PAUSE_MS = 200;
const HEALTHY_STREAK = 10;

/**
 * inventory-service fails half its requests: the gateway's read breaker on it opens and then answers 503
 * fast with Retry-After instead of forwarding; no 5xx body leaks internals; product reads recover after
 * healing. The reads are a signed-in customer's, so they spend that customer's budget, not the address's
 * anonymous one.
 */
export const flakyUpstream: Scenario = {
  name: 'flaky-upstream',
  title: 'inventory-service errorRate 0.5 on reads',
  timeoutMs: 90_000,
  failing: ['inventory-service'],
  skipReason: (target) => unmetNeeds(target, NEEDED, { chaos: true }),
  async run({ target, checks, figures, progress }) {
    // Two customers: the reads under fault and the recovery reads each spend a budget of their own.
    const [{ token }, reader] = await Promise.all([newCustomer(target), newCustomer(target)]);
    progress('inventory-service errorRate 0.5');
    await injectFault(target, 'inventory-service', { errorRate: 0.5, durationMs: 120_000 });
    const traffic = new Tally();
    let breakerSeenOpen = false;
    const opened = () =>
      breakerSeenOpen || traffic.replies.some((r) => errorCode(r) === 'upstream_unavailable');
    const lookAtBreaker = async (): Promise<void> => {
      breakerSeenOpen ||= (await gatewayHealth(target))?.breakers['inventory-service']?.read === 'open';
    };
    const reads = (count: number) =>
      inParallel(Array.from({ length: count }), 4, async (_, index) => {
        const path = `/api/products?page=1&limit=5&q=${index % 7}`;
        traffic.add(await send(target.gatewayUrl, 'GET', path, { token }));
        if (index % 10 === 9 && !breakerSeenOpen) await lookAtBreaker();
      });
    try {
      await reads(READS);
      // At 50 % errors a breaker with a 50 % threshold may or may not trip (a coin toss on a stack whose
      // thresholds the suite cannot tune), and earlier successes in its window (other traffic, a previous
      // run's burst) dilute the failures: then prove the open state with every read failing, until it opens.
      if (!opened()) {
        progress('breaker still closed at errorRate 0.5: escalating to errorRate 1.0 until it opens');
        await injectFault(target, 'inventory-service', { errorRate: 1, durationMs: 120_000 });
        const escalatedAt = Date.now();
        let escalationReads = 0;
        while (!opened() && Date.now() - escalatedAt < ESCALATION_MS) {
          await reads(ESCALATION_BATCH);
          escalationReads += ESCALATION_BATCH;
          await lookAtBreaker();
          if (!opened()) await sleep(ESCALATION_PAUSE_MS);
        }
        // Seen open on /health only: a few more reads show what callers get from it (fast 503s).
        if (breakerSeenOpen && !traffic.replies.some((r) => errorCode(r) === 'upstream_unavailable')) {
          await reads(ESCALATION_BATCH);
        }
        figures.escalatedToErrorRate1 = {
          reads: escalationReads,
          seconds: Number(((Date.now() - escalatedAt) / 1000).toFixed(1)),
          opened: opened(),
        };
      }
    } finally {
      await healFault(target, 'inventory-service');
    }

    const fastFails = traffic.replies.filter(
      (r) => r.status === 503 && errorCode(r) === 'upstream_unavailable',
    );
    figures.breakerOpenAnswers = fastFails.length;
    checks.check(
      'the gateway breaker opens: 503 upstream_unavailable answers',
      fastFails.length > 0 || breakerSeenOpen,
      `${fastFails.length} of ${traffic.replies.length}; /health showed it open: ${breakerSeenOpen}`,
    );
    checks.none(
      'breaker answers carry Retry-After',
      fastFails.filter((r) => !r.headers['retry-after']).map(() => '503 without Retry-After'),
    );
    const openLatency = new Tally();
    fastFails.forEach((r) => openLatency.add(r));
    const open = openLatency.summary();
    figures.breakerOpenP99Ms = open.p99Ms;
    checks.check(
      'breaker answers are fast (p99 < 250 ms)',
      fastFails.length === 0 || open.p99Ms < 250,
      `p99 ${Number.isNaN(open.p99Ms) ? 'n/a' : open.p99Ms.toFixed(1)} ms`,
    );
    checks.none(
      'every 5xx is a JSON error that leaks nothing',
      traffic.replies
        .filter((r) => r.status >= 500 || r.status === 0)
        .flatMap((r) => errorShapeProblems(r, 'GET /api/products')),
    );
    figures.failedReadRatio = Number(
      (traffic.count((r) => r.status >= 500) / traffic.replies.length).toFixed(2),
    );
    checks.none(
      'no status other than 200, 500 (injected) or 503',
      traffic.replies
        .filter((r) => ![200, 500, 503].includes(r.status))
        .map((r) => `${r.status} ${errorCode(r) ?? ''}`),
    );

    progress('healed; waiting for product reads to recover');
    let streak = 0;
    const healedAt = Date.now();
    const recovered = await waitFor(
      40_000,
      async () => {
        const reply = await send(target.gatewayUrl, 'GET', '/api/products?limit=5', { token: reader.token });
        streak = reply.status === 200 ? streak + 1 : 0;
        return streak >= HEALTHY_STREAK ? true : undefined;
      },
      100,
    );
    const recoverySeconds = Number(((Date.now() - healedAt) / 1000).toFixed(1));
    figures.recoverySeconds = recoverySeconds;
    checks.check(
      `product reads recover after healing (${HEALTHY_STREAK} consecutive 200s)`,
      recovered.value === true,
      `after ${recoverySeconds} s`,
    );
    return traffic.summary();
  },
};
