import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBlockingAmqpProxy, type BlockingAmqpProxy } from '@shop/platform/tools/testing';
import {
  adminToken,
  newCustomer,
  readOutbox,
  startPlatform,
  stopViolations,
  type Platform,
} from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { rabbitMqTarget } from './support/rabbitmq.js';
import { shopApi, type Product, type ShopApi } from './support/shop-api.js';

const rabbit = await rabbitMqTarget('shutdown.e2e.test');

// Every service talks to RabbitMQ through a proxy that emulates a resource alarm (see blocking-amqp-proxy.ts),
// so the shared broker is never alarmed. A short deadline keeps the test quick: the stops it proves bounded
// would otherwise wait for the alarm to clear, forever.
const SHUTDOWN_TIMEOUT_MS = 3000;
const EVENT_WAIT = { timeoutMs: 30_000, intervalMs: 150 };

describe.skipIf(!rabbit.available)('SIGTERM while the broker blocks publishing (resource alarm)', () => {
  let proxy: BlockingAmqpProxy;
  let platform: Platform;
  let api: ShopApi;
  let admin: string;
  let product: Product;

  beforeAll(async () => {
    await buildServices();
    proxy = await startBlockingAmqpProxy(rabbit.url);
    platform = await startPlatform({
      env: { AMQP_URL: proxy.url, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
      // The last test reads the outboxes after the platform stopped.
      keepData: true,
    });
    api = shopApi(platform.gatewayUrl);
    admin = await adminToken(platform);
    product = await api.createProduct(admin, { stock: 100 });
    platform.recordStockBaseline();
  }, 120_000);

  afterAll(async () => {
    proxy?.unblock();
    await platform?.shutdown();
    if (platform) rmSync(platform.dataDir, { recursive: true, force: true });
    await proxy?.close();
  });

  async function confirmedOrderId(token: string): Promise<string> {
    const placed = await api.placeOrder(token, { items: [{ productId: product.id, quantity: 1 }] });
    expect(placed.status).toBe(201);
    return placed.body.id;
  }

  function unsentFor(service: string, orderId: string): string[] {
    return readOutbox(platform.databaseFile(service))
      .filter((event) => event.orderId === orderId && event.sentAt === null)
      .map((event) => event.type);
  }

  test('When order-service is stopped with OrderConfirmed held by the broker, then it exits 0 by its deadline, the event stays in the outbox, and after a restart the shipment is scheduled', async () => {
    const customer = await newCustomer(platform);
    proxy.block();
    const orderId = await confirmedOrderId(customer.token);
    await eventually('a publish held by the blocked broker', () =>
      Promise.resolve(proxy.heldPublishes > 0 ? true : undefined),
    );

    const stop = await platform.stop('order-service');

    expect(stop && stopViolations([stop])).toEqual([]);
    expect(unsentFor('order-service', orderId)).toEqual(['OrderConfirmed']);

    proxy.unblock();
    await platform.start('order-service');
    const shipment = await eventually(
      `a shipment for order ${orderId}`,
      async () => {
        const reply = await api.shipments(customer.token, orderId);
        return reply.body.data?.[0];
      },
      EVENT_WAIT,
    );
    expect(shipment.status).toBe('SCHEDULED');
    expect(unsentFor('order-service', orderId)).toEqual([]);
  });

  test('When the whole platform stops while every producer is blocked, then each of the seven processes exits 0 by its deadline and nothing is sent', async () => {
    const customer = await newCustomer(platform);
    proxy.block();
    const orderId = await confirmedOrderId(customer.token);
    await eventually('a publish held by the blocked broker', () =>
      Promise.resolve(proxy.heldPublishes > 0 ? true : undefined),
    );

    const stops = await platform.shutdown();

    expect(stops.map((stop) => stop.service).sort()).toEqual([...platform.services].sort());
    expect(stopViolations(stops)).toEqual([]);
    expect(unsentFor('order-service', orderId)).toEqual(['OrderConfirmed']);
  });
});
