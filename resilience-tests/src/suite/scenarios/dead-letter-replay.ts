import { randomUUID } from 'node:crypto';
import { createEnvelope, type DeadLetter } from '@shop/platform/runtime';
import { newCustomer } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { openPlatformTransport, runEventsCommand } from '../../platform-events.js';
import { send } from '../http.js';
import type { Platform } from '../../platform-runner.js';
import type { Checks, Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, missingServices, placeOrder, waitFor } from '../target.js';

const NEEDED = [
  'api-gateway',
  'customer-service',
  'inventory-service',
  'order-service',
  'payment-service',
  'shipping-service',
];
const QUEUE = 'shipping-service';
/** shipping-service's retries (1 s, 5 s, 30 s) are spent after about 36 s. */
const RETRIES_SPENT_MS = 90_000;

/**
 * shipping-service's dead letters get three kinds of message: an OrderConfirmed it could not verify while
 * order-service was down (`failed`), poison that is not JSON (`invalid`), and an OrderConfirmed about an order
 * that does not exist (`unknown_aggregate`). `npm run events -- dead-letters replay` with those three ids must
 * end, replay each once, report the two that fail again, and the real order must get its shipment.
 */
export const deadLetterReplay: Scenario = {
  name: 'dead-letter-replay',
  title: 'dead-letter replay with poison that comes straight back',
  timeoutMs: 240_000,
  // shipping-service (the consumer) and order-service are stopped in turn; poison goes through the transport.
  failing: ['shipping-service', 'order-service', 'event-bus'],
  skipReason(target) {
    if (!target.platform)
      return 'needs process control and the event transport (the suite must start the platform; GATEWAY_URL is set)';
    return missingServices(target, NEEDED);
  },
  async run({ target, checks, figures, progress, expectDeadLetters }) {
    const platform = target.platform;
    if (!platform) return undefined;
    const customer = await newCustomer(target);
    const product = await createProduct(target, 100);
    const traffic = new Tally();
    const bus = await openPlatformTransport(platform);
    try {
      const byEvent = async (predicate: (letter: DeadLetter) => boolean) =>
        (await bus.listDeadLetters(QUEUE)).find(predicate);
      const unknownOrder = createEnvelope(
        'OrderConfirmed',
        {
          orderId: randomUUID(),
          customerId: customer.id,
          totalCents: 1_234,
          currency: 'USD',
          items: [{ productId: product.id, name: 'Resilience', quantity: 1, unitPriceCents: 1_234 }],
        },
        { source: 'order-service' },
      );
      const poisonBody = `{"not json ${randomUUID()}`;
      // Both reach every consumer of OrderConfirmed (shipping and notification) and stay dead-lettered.
      expectDeadLetters((letter) => letter.body === poisonBody || letter.eventId === unknownOrder.id);
      progress('publishing poison and an OrderConfirmed for an order that does not exist');
      await bus.publishRaw('OrderConfirmed', poisonBody);
      await bus.publish(unknownOrder);
      const poison = await waitFor(15_000, () => byEvent((letter) => letter.body === poisonBody));
      const unknown = await waitFor(15_000, () => byEvent((letter) => letter.eventId === unknownOrder.id));
      checks.check(
        'poison is dead-lettered as invalid',
        poison.value?.reason === 'invalid',
        poison.value?.reason,
      );
      checks.check(
        'an OrderConfirmed for an order that does not exist is dead-lettered as unknown_aggregate',
        unknown.value?.reason === 'unknown_aggregate',
        unknown.value?.reason,
      );

      progress('order confirmed while shipping-service is down; then order-service goes down too');
      await platform.stop(QUEUE);
      const reply = await placeOrder(target, customer.token, product.id);
      traffic.add(reply);
      const orderId = (reply.body as { id?: unknown } | undefined)?.id;
      checks.check(
        'the order is confirmed (201)',
        reply.status === 201 && typeof orderId === 'string',
        String(reply.status),
      );
      if (typeof orderId !== 'string') return traffic.summary();
      await platform.stop('order-service');
      await platform.start(QUEUE);
      progress('waiting for shipping-service to spend its retries on the unverifiable OrderConfirmed');
      const failed = await waitFor(
        RETRIES_SPENT_MS,
        () => byEvent((letter) => letter.reason === 'failed' && letter.body.includes(orderId)),
        1_000,
      );
      checks.check(
        'an OrderConfirmed that cannot be verified is retried, then dead-lettered as failed',
        failed.value !== undefined,
        `after ${(failed.ms / 1000).toFixed(1)} s`,
      );
      await platform.start('order-service');
      // Its lookups failed: shipping-service's breaker on order-service lets a probe through after its reset.
      const breaker = await waitFor(30_000, async () => {
        const metrics = await send(platform.urls[QUEUE] ?? '', 'GET', '/metrics');
        const line = metrics.text
          .split('\n')
          .find(
            (candidate) =>
              candidate.startsWith('circuit_breaker_state{') &&
              candidate.includes('upstream="order-service"'),
          );
        return line !== undefined && !line.endsWith(' 2') ? true : undefined;
      });
      checks.check('shipping-service lets calls to order-service through again', breaker.value === true);
      if (!failed.value || !poison.value || !unknown.value) return traffic.summary();

      progress('npm run events -- dead-letters replay, for those three');
      const ids = [failed.value, poison.value, unknown.value].flatMap((letter) => [
        '--id',
        letter.deadLetterId,
      ]);
      const result = await runEventsCommand(
        platform,
        ['dead-letters', 'replay', QUEUE, ...ids, '--wait', '10'],
        120_000,
      );
      figures.replay = {
        exitCode: result.code,
        durationMs: result.durationMs,
        summary: result.stdout.split('\n').find((line) => line.startsWith('summary:')),
      };
      checks.check(
        'the replay ends by itself with exit code 0',
        !result.timedOut && result.code === 0,
        result.timedOut
          ? 'killed after 120 s'
          : `exit ${result.code ?? '?'}: ${result.stderr.trim().slice(0, 200)}`,
      );
      checks.check(
        'its summary: 3 replayed, 2 dead-lettered again',
        result.stdout.includes('summary: 3 replayed, 2 dead-lettered again'),
        result.stdout.split('\n').find((line) => line.startsWith('summary:')),
      );
      const back = (await bus.listDeadLetters(QUEUE)).filter(
        (letter) => letter.body === poisonBody || letter.eventId === unknownOrder.id,
      );
      checks.check(
        'the poison and the unknown order are back in the dead letters once each, marked by this replay',
        back.length === 2 &&
          new Set(back.map((letter) => letter.replayId)).size === 1 &&
          back[0]?.replayId !== undefined,
        `${back.length} back`,
      );

      await replayNotificationLetters(platform, orderId, checks, figures, progress);

      const shipment = await waitFor(15_000, async () => {
        const shipments = await send(target.gatewayUrl, 'GET', `/api/shipments?orderId=${orderId}`, {
          token: customer.token,
        });
        const data = (shipments.body as { data?: { status?: string }[] } | undefined)?.data;
        return data?.[0]?.status;
      });
      checks.check(
        'the replayed OrderConfirmed schedules the order’s shipment',
        shipment.value === 'SCHEDULED',
        shipment.value,
      );
      const none = await send(
        target.gatewayUrl,
        'GET',
        `/api/shipments?orderId=${unknownOrder.data.orderId}`,
        {
          token: customer.token,
        },
      );
      checks.check(
        'no shipment exists for the order that does not exist',
        (none.body as { data?: unknown[] } | undefined)?.data?.length === 0,
        none.text.slice(0, 200),
      );
      checks.none('saga invariants hold', await eventuallyInvariants(platform, { timeoutMs: 20_000 }));
      return traffic.summary();
    } finally {
      await bus.close();
    }
  },
};

/**
 * notification-service verifies the order of an OrderConfirmed with order-service too: when order-service was
 * down long enough, its copy was dead-lettered as `failed` as well. The operator replays it like shipping's:
 * it must then notify once, so that no legitimate event stays dead-lettered.
 */
async function replayNotificationLetters(
  platform: Platform,
  orderId: string,
  checks: Checks,
  figures: Record<string, unknown>,
  progress: (message: string) => void,
): Promise<void> {
  if (!platform.services.includes('notification-service')) return;
  const bus = await openPlatformTransport(platform);
  let ids: string[];
  try {
    ids = (await bus.listDeadLetters('notification-service'))
      .filter((letter) => letter.reason === 'failed' && letter.body.includes(orderId))
      .map((letter) => letter.deadLetterId);
  } finally {
    await bus.close();
  }
  figures.notificationLettersReplayed = ids.length;
  if (ids.length === 0) return;
  progress(
    `npm run events -- dead-letters replay notification-service (${ids.length} failed during the outage)`,
  );
  const result = await runEventsCommand(
    platform,
    ['dead-letters', 'replay', 'notification-service', ...ids.flatMap((id) => ['--id', id]), '--wait', '10'],
    120_000,
  );
  checks.check(
    `notification-service's ${ids.length} dead letter(s) from the outage replay with nothing dead-lettered again`,
    !result.timedOut &&
      result.code === 0 &&
      result.stdout.includes(`summary: ${ids.length} replayed, 0 dead-lettered again`),
    result.stdout.split('\n').find((line) => line.startsWith('summary:')) ?? `exit ${result.code ?? '?'}`,
  );
}
