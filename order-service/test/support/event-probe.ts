import {
  createMetricsRegistry,
  EmbeddedTransport,
  type DeadLetter,
  type EventEnvelope,
  type Subscription,
  type TypedEnvelope,
} from '@shop/platform/runtime';
import { captureLogger } from '@shop/platform/tools/testing';

const PROBE_QUEUE = 'order-events-probe';

export type OrderEvent = TypedEnvelope<'OrderConfirmed'> | TypedEnvelope<'OrderCancelled'>;

/**
 * Another service on the same embedded queue file: it consumes what order-service publishes (OrderConfirmed,
 * OrderCancelled) and publishes shipping-service's events to it. Start it before order-service publishes:
 * a queue only receives events published after it was declared.
 */
export interface EventProbe {
  received: OrderEvent[];
  publish(envelope: EventEnvelope): Promise<void>;
  /** order-service's dead letters and its messages not yet acknowledged. */
  deadLetters(): Promise<DeadLetter[]>;
  pending(): Promise<number>;
  stop(): Promise<void>;
}

export async function startEventProbe(eventsFile: string): Promise<EventProbe> {
  const transport = new EmbeddedTransport({
    file: eventsFile,
    logger: captureLogger('event-probe').logger,
    registry: createMetricsRegistry('event-probe', { collectDefault: false }),
    pollMs: 20,
  });
  const received: OrderEvent[] = [];
  const subscription: Subscription = await transport.subscribe(
    PROBE_QUEUE,
    ['OrderConfirmed', 'OrderCancelled'],
    (event) => {
      if (event.type === 'OrderConfirmed' || event.type === 'OrderCancelled') received.push(event);
      return Promise.resolve();
    },
  );
  return {
    received,
    publish: (envelope) => transport.publish(envelope),
    deadLetters: () => transport.listDeadLetters('order-service'),
    pending: () => transport.pendingCount('order-service'),
    async stop() {
      await subscription.stop();
      await transport.close();
    },
  };
}
