import { setTimeout as sleep } from 'node:timers/promises';
import { startBlockingAmqpProxy } from '@shop/platform/tools/testing';
import { newCustomer } from '../../accounts.js';
import { eventuallyInvariants } from '../../invariants.js';
import { readOutbox } from '../../outbox-reader.js';
import { stopViolations } from '../../platform-runner.js';
import { privateRabbitNodeAvailable, startPrivateRabbitNode } from '../../private-rabbit-node.js';
import type { Scenario } from '../scenario.js';
import { Tally } from '../tally.js';
import { createProduct, placeOrder, unmetNeeds, waitFor } from '../target.js';

const NEEDED = ['api-gateway', 'customer-service', 'inventory-service', 'order-service', 'payment-service'];
const SERVICE = 'payment-service';

/** A broker that blocks publishing on demand: a real node's memory alarm, or the emulating proxy. */
interface BlockingBroker {
  kind: string;
  url: string;
  block(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

async function blockingBroker(platformAmqpUrl: string): Promise<BlockingBroker> {
  if (await privateRabbitNodeAvailable()) {
    const node = await startPrivateRabbitNode();
    return {
      kind: `private RabbitMQ node ${node.nodeName}, memory alarm (set_vm_memory_high_watermark 0)`,
      url: node.url,
      block: () => node.alarm(),
      release: () => node.clearAlarm(),
      close: () => node.stop(),
    };
  }
  const proxy = await startBlockingAmqpProxy(platformAmqpUrl);
  return {
    kind: 'AMQP proxy emulating a resource alarm (rabbitmq-server is not available here)',
    url: proxy.url,
    block: () => Promise.resolve(proxy.block()),
    release: () => Promise.resolve(proxy.unblock()),
    close: () => proxy.close(),
  };
}

/**
 * payment-service publishes to a broker in a resource alarm (it stops reading connections that publish), and
 * is then sent SIGTERM with its PaymentCaptured event unconfirmed. It must exit 0 within its
 * SHUTDOWN_TIMEOUT_MS and keep the event in its outbox. Started again while the alarm lasts, it must be ready
 * and charge an order (its start-up does not wait for the broker), and stop in time again. Back on a healthy
 * broker, it publishes what it kept.
 */
export const shutdownUnderBlockedBroker: Scenario = {
  name: 'shutdown-under-blocked-broker',
  title: 'SIGTERM to payment-service while the broker blocks publishing',
  timeoutMs: 180_000,
  // payment-service is stopped, on a broker that blocks publishing.
  failing: ['payment-service', 'event-bus'],
  skipReason(target) {
    if (target.platform && !target.platform.amqpUrl)
      return 'needs RabbitMQ (AMQP_URL): the embedded transport has no broker that can block publishing';
    return unmetNeeds(target, NEEDED, { processControl: true });
  },
  async run({ target, checks, figures, progress }) {
    const platform = target.platform;
    const platformAmqpUrl = platform?.amqpUrl;
    if (!platform || !platformAmqpUrl) return undefined;
    const customer = await newCustomer(target);
    const product = await createProduct(target, 100);

    progress('starting a broker that can block publishing');
    const broker = await blockingBroker(platformAmqpUrl);
    figures.broker = broker.kind;
    const traffic = new Tally();
    let orderId: string | undefined;
    try {
      await platform.restart(SERVICE, { env: { AMQP_URL: broker.url } });
      progress('broker blocks publishing; placing an order');
      await broker.block();
      const reply = await placeOrder(target, customer.token, product.id);
      traffic.add(reply);
      checks.check(
        'the order is placed while the broker blocks publishing (201)',
        reply.status === 201,
        String(reply.status),
      );
      const id = (reply.body as { id?: unknown } | undefined)?.id;
      orderId = typeof id === 'string' ? id : undefined;
      const captured = () =>
        readOutbox(platform.databaseFile(SERVICE)).find(
          (event) => event.type === 'PaymentCaptured' && event.orderId === orderId,
        );
      await waitFor(10_000, () => Promise.resolve(captured() ? true : undefined));
      // Give the relay time to try: the publish is then on the wire, unconfirmed.
      await sleep(1_000);

      progress(`SIGTERM to ${SERVICE}`);
      const stop = await platform.stop(SERVICE);
      figures.stop = stop;
      checks.none(
        `${SERVICE} exits 0 within its shutdown deadline (${platform.shutdownTimeoutMs(SERVICE)} ms)`,
        stop ? stopViolations([stop]) : [`${SERVICE} was not running`],
      );
      const kept = captured();
      checks.check(
        'PaymentCaptured is still in the outbox, unsent',
        kept !== undefined && kept.sentAt === null,
        kept ? `sentAt ${kept.sentAt ?? 'null'}` : 'not in the outbox',
      );

      // A restart during the alarm (a crash, a deploy): the relay's first publish of the kept event makes the
      // broker stop reading the connection, and the consumer's declarations then get no answer. The service
      // must start and charge anyway, as it does with the broker down.
      progress(`${SERVICE} restarted while the broker still blocks publishing`);
      const restartError = await platform.start(SERVICE, { env: { AMQP_URL: broker.url } }).then(
        () => undefined,
        (error: unknown) => (error as Error).message.split('\n')[0],
      );
      checks.check(
        `${SERVICE} starts and is ready while the broker blocks publishing`,
        restartError === undefined,
        restartError,
      );
      if (restartError === undefined) {
        const during = await placeOrder(target, customer.token, product.id);
        traffic.add(during);
        checks.check(
          'an order placed then is confirmed (201): payment-service charges while its broker blocks',
          during.status === 201,
          String(during.status),
        );
      }
      const second = await platform.stop(SERVICE);
      figures.secondStop = second;
      checks.none(
        `${SERVICE} restarted under the alarm exits 0 within its shutdown deadline too`,
        second ? stopViolations([second]) : [`${SERVICE} was not running`],
      );
    } finally {
      await broker.release().catch(() => undefined);
      await broker.close().catch(() => undefined);
    }

    progress(`${SERVICE} back on the platform's broker`);
    await platform.start(SERVICE);
    const restartedAt = Date.now();
    const sent = await waitFor(30_000, () =>
      Promise.resolve(
        readOutbox(platform.databaseFile(SERVICE)).find(
          (event) => event.type === 'PaymentCaptured' && event.orderId === orderId && event.sentAt !== null,
        ),
      ),
    );
    figures.publishedAfterRestartMs = sent.value ? Date.now() - restartedAt : undefined;
    checks.check('after the restart, the kept PaymentCaptured is published', sent.value !== undefined);
    checks.none('saga invariants hold', await eventuallyInvariants(platform, { timeoutMs: 20_000 }));
    return traffic.summary();
  },
};
