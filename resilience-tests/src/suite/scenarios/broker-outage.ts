import { setTimeout as sleep } from 'node:timers/promises';
import { newCustomer } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { errorCode, inParallel, send } from '../http.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, placeOrder, unmetNeeds, waitFor, type SuiteTarget } from '../target.js';

const NEEDED = [
  'api-gateway',
  'customer-service',
  'inventory-service',
  'order-service',
  'payment-service',
  'notification-service',
];
const ORDERS = 10;

/**
 * The event transport goes away while orders are placed: with RabbitMQ (AMQP_URL), the stack's private
 * vhost loses its permissions and connections; with the embedded transport, notification-service (the
 * consumer) is stopped. Orders still complete (the saga is HTTP); after recovery every OrderConfirmed has
 * produced exactly one notification (outbox + inbox: nothing lost, nothing doubled).
 */
export const brokerOutage: Scenario = {
  name: 'broker-outage',
  title: 'event transport outage during orders',
  timeoutMs: 150_000,
  // RabbitMQ loses the vhost, or (embedded transport) notification-service, the consumer, is stopped.
  failing: ['event-bus', 'notification-service'],
  skipReason: (target) => unmetNeeds(target, NEEDED, { processControl: true }),
  async run({ target, platform, broker, checks, figures, progress }) {
    if (!platform) return undefined;
    const customer = await newCustomer(target);
    const product = await createProduct(target, 1000);
    figures.transport = broker
      ? `RabbitMQ (vhost ${broker.vhost})`
      : 'embedded (notification-service stopped)';

    progress(broker ? `RabbitMQ outage on vhost ${broker.vhost}` : 'stopping notification-service');
    if (broker) await broker.outage();
    else await platform.stop('notification-service');

    const traffic = new Tally();
    try {
      await inParallel(Array.from({ length: ORDERS }), 2, () =>
        placeOrder(target, customer.token, product.id).then((r) => traffic.add(r)),
      );
      // Outboxes keep the events while the transport is away; give the relays a few failed rounds.
      await sleep(2000);
    } finally {
      progress('transport back');
      if (broker) await broker.restore();
      else await platform.start('notification-service');
    }

    checks.none(
      'orders still complete during the outage (201)',
      traffic.replies
        .filter((r) => r.status !== 201)
        .map((r) => `${r.status} ${errorCode(r) ?? r.error ?? ''}`),
    );
    const confirmed = traffic.replies
      .filter((r) => r.status === 201)
      .map((r) => (r.body as { id?: unknown } | undefined)?.id)
      .filter((id): id is string => typeof id === 'string');

    const restoredAt = Date.now();
    const delivered = await waitFor(
      90_000,
      async () => {
        const perOrder = await confirmationsPerOrder(target, customer.token, confirmed);
        return confirmed.every((id) => (perOrder.get(id) ?? 0) >= 1) ? perOrder : undefined;
      },
      1000,
    );
    const deliverySeconds = Number(((Date.now() - restoredAt) / 1000).toFixed(1));
    figures.deliverySeconds = deliverySeconds;
    checks.check(
      'every OrderConfirmed produced a notification after recovery',
      delivered.value !== undefined,
      `${confirmed.length} orders, after ${deliverySeconds} s`,
    );
    // Duplicates would show up as redeliveries settle: look again a little later.
    await sleep(2000);
    const final = await confirmationsPerOrder(target, customer.token, confirmed);
    checks.none(
      'exactly once: one confirmation notification per confirmed order',
      confirmed.filter((id) => final.get(id) !== 1).map((id) => `${id}: ${final.get(id) ?? 0}`),
    );
    checks.none(
      'saga invariants hold',
      await eventuallyInvariants(platform, { timeoutMs: 20_000, pendingDeadlineMs: 0 }),
    );
    return traffic.summary();
  },
};

/**
 * The customer's OrderConfirmed notifications (GET /api/notifications?eventType=OrderConfirmed), counted
 * per order: a notification belongs to the order whose id its body or subject names.
 */
async function confirmationsPerOrder(
  target: SuiteTarget,
  token: string,
  orderIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let page = 1; page <= 20; page += 1) {
    const reply = await send(
      target.gatewayUrl,
      'GET',
      `/api/notifications?eventType=OrderConfirmed&page=${page}&limit=100`,
      { token },
    );
    const data = (reply.body as { data?: unknown } | undefined)?.data;
    if (reply.status !== 200 || !Array.isArray(data)) break;
    for (const item of data as Record<string, unknown>[]) {
      const text = `${String(item.subject)} ${String(item.body)}`;
      const orderId = orderIds.find((id) => text.includes(id));
      if (orderId && item.eventType === 'OrderConfirmed') counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
    }
    if (data.length < 100) break;
  }
  return counts;
}
