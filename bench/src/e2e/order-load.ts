import { performance } from 'node:perf_hooks';
import {
  APPROVING_CARD,
  SampleList,
  type Customer,
  type GatewayClient,
  type Reply,
} from '@shop/load-generator';

/** What one order run measured, before CPU figures are added. */
export interface OrderRunCounts {
  /** Seconds from the first order sent to the last answer. */
  elapsedSeconds: number;
  /** Orders answered (any status). */
  orders: number;
  /** 201 with the order CONFIRMED. */
  confirmed: number;
  /** Orders a paced run did not send because too many were already waiting for an answer. */
  notSent: number;
  statusCodes: Record<string, number>;
  /** Latency of every answered order, ms. */
  latencies: SampleList;
}

/** The orders of a run: one unit of a load product each, approved card, as customers taken in turn. */
export class OrderPlacer {
  private next = 0;

  constructor(
    private readonly client: GatewayClient,
    private readonly customers: readonly Customer[],
    private readonly products: readonly number[],
  ) {}

  place(): Promise<Reply> {
    const n = this.next++;
    const customer = this.customers[n % this.customers.length] as Customer;
    const productId = this.products[n % this.products.length] as number;
    return this.client.call('POST', '/api/orders', {
      token: customer.accessToken,
      body: { items: [{ productId, quantity: 1 }], payment: { token: APPROVING_CARD } },
    });
  }
}

function emptyCounts(): OrderRunCounts {
  return {
    elapsedSeconds: 0,
    orders: 0,
    confirmed: 0,
    notSent: 0,
    statusCodes: {},
    latencies: new SampleList(),
  };
}

function count(counts: OrderRunCounts, reply: Reply): void {
  const key = reply.status === 0 ? (reply.transportError ?? 'error') : String(reply.status);
  counts.statusCodes[key] = (counts.statusCodes[key] ?? 0) + 1;
  if (reply.status === 0) return;
  counts.orders += 1;
  counts.latencies.push(reply.ms);
  if (reply.status === 201 && (reply.body as { status?: unknown } | undefined)?.status === 'CONFIRMED') {
    counts.confirmed += 1;
  }
}

/** Closed loop: `concurrency` clients, each placing its next order as soon as the last one is answered. */
export async function closedLoopOrders(
  placer: OrderPlacer,
  concurrency: number,
  durationSeconds: number,
): Promise<OrderRunCounts> {
  const counts = emptyCounts();
  const started = performance.now();
  const end = started + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) count(counts, await placer.place());
    }),
  );
  counts.elapsedSeconds = (performance.now() - started) / 1000;
  return counts;
}

/**
 * Open loop: `rate` orders per second on a 1 ms clock, whatever the stack answers, so latency includes any
 * queueing the stack builds up. At most `maxInFlight` wait at once (the bench uses one second's worth);
 * beyond that the run counts orders it could not send (the stack did not keep up) instead of piling on.
 */
export async function pacedOrders(
  placer: OrderPlacer,
  rate: number,
  durationSeconds: number,
  maxInFlight: number,
): Promise<OrderRunCounts> {
  const counts = emptyCounts();
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const durationMs = durationSeconds * 1000;
  const total = Math.floor(rate * durationSeconds);
  let due = 0;
  await new Promise<void>((resolve) => {
    const clock = setInterval(() => {
      const elapsed = performance.now() - started;
      const target = Math.min(total, Math.floor((elapsed * rate) / 1000));
      while (due < target) {
        due += 1;
        if (inFlight.size >= maxInFlight) {
          counts.notSent += 1;
          continue;
        }
        const order = placer.place().then((reply) => {
          count(counts, reply);
          inFlight.delete(order);
        });
        inFlight.add(order);
      }
      if (elapsed >= durationMs) {
        clearInterval(clock);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  counts.elapsedSeconds = (performance.now() - started) / 1000;
  return counts;
}
