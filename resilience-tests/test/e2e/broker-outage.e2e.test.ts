import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adminToken,
  eventuallyInvariants,
  newCustomer,
  startPlatform,
  type BrokerSandbox,
  type Platform,
} from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { metricValue } from './support/metrics.js';
import { rabbitMqTarget } from './support/rabbitmq.js';
import { shopApi, type Notification, type Order, type Shipment, type ShopApi } from './support/shop-api.js';

const rabbit = await rabbitMqTarget('broker-outage.e2e.test');
const ORDERS = 4;

describe.skipIf(!rabbit.available)('Broker outage (RabbitMQ transport, real processes)', () => {
  let platform: Platform;
  let broker: BrokerSandbox;
  let api: ShopApi;
  let admin: string;

  beforeAll(async () => {
    await buildServices();
    platform = await startPlatform({ env: { AMQP_URL: rabbit.url } });
    if (!platform.broker) throw new Error('the runner did not isolate the platform in a RabbitMQ vhost');
    broker = platform.broker;
    api = shopApi(platform.gatewayUrl);
    admin = await adminToken(platform);
  }, 120_000);

  afterAll(async () => {
    await broker?.restore().catch(() => undefined);
    await platform?.shutdown();
  });

  const outboxPending = (service: string) => metricValue(platform.urls[service] ?? '', 'outbox_pending');

  async function shipmentsOf(orderId: string): Promise<Shipment[]> {
    const reply = await api.shipments(admin, orderId);
    expect(reply.status).toBe(200);
    return reply.body.data;
  }

  async function notificationsOf(customerId: string, eventType: string): Promise<Notification[]> {
    const reply = await api.notifications(admin, { customerId, eventType });
    expect(reply.status).toBe(200);
    return reply.body.data;
  }

  test('When RabbitMQ is unavailable, then orders still complete, their events wait in the outbox, and after it is back each one has exactly one effect', async () => {
    const product = await api.createProduct(admin, { stock: 20, priceCents: 999 });
    platform.recordStockBaseline();
    const customer = await newCustomer(platform);
    // The welcome notification proves the customer's registration went through the broker before the drill.
    await eventually('the CustomerRegistered notification', async () => {
      const welcome = await notificationsOf(customer.id, 'CustomerRegistered');
      return welcome.length === 1 ? welcome : undefined;
    });

    await broker.outage();
    const orders: Order[] = [];
    const correlationIds = Array.from({ length: ORDERS }, () => `e2e-outage-${randomUUID()}`);
    try {
      for (const correlationId of correlationIds) {
        const placed = await api.placeOrder(
          customer.token,
          { items: [{ productId: product.id, quantity: 1 }] },
          { 'X-Correlation-ID': correlationId },
        );
        expect(placed.status).toBe(201);
        expect(placed.body.status).toBe('CONFIRMED');
        orders.push(placed.body);
      }
      const backlog = await eventually(
        'order-service to report its OrderConfirmed events as pending',
        async () => {
          const pending = await outboxPending('order-service');
          return pending !== undefined && pending >= ORDERS ? pending : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(backlog).toBeGreaterThanOrEqual(ORDERS);
      for (const order of orders) expect(await shipmentsOf(order.id)).toEqual([]);
      expect(await notificationsOf(customer.id, 'OrderConfirmed')).toEqual([]);
    } finally {
      await broker.restore();
    }

    // The relays and consumers reconnect with a backoff capped at 10 s; then the backlog drains.
    const shipments = await eventually(
      'one shipment per order after the broker is back',
      async () => {
        const found = await Promise.all(orders.map((order) => shipmentsOf(order.id)));
        return found.every((list) => list.length > 0) ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await eventually(
      'every producer outbox to be empty',
      async () => {
        const pending = await Promise.all(
          ['order-service', 'shipping-service', 'payment-service', 'inventory-service'].map(outboxPending),
        );
        return pending.every((n) => n === 0) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const confirmations = await eventually(
      `${ORDERS} order confirmations and ${ORDERS} shipment notifications`,
      async () => {
        const [confirmed, scheduled] = await Promise.all([
          notificationsOf(customer.id, 'OrderConfirmed'),
          notificationsOf(customer.id, 'ShipmentScheduled'),
        ]);
        return confirmed.length >= ORDERS && scheduled.length >= ORDERS ? confirmed : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    for (const [index, list] of shipments.entries()) {
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ orderId: orders[index]?.id, status: 'SCHEDULED' });
    }
    expect(confirmations.map((n) => n.correlationId).sort()).toEqual([...correlationIds].sort());
    expect(new Set(confirmations.map((n) => n.eventId)).size).toBe(ORDERS);
    expect(await notificationsOf(customer.id, 'ShipmentScheduled')).toHaveLength(ORDERS);
    for (const order of orders) {
      const tracked = await api.order(customer.token, order.id);
      expect(tracked.body.status).toBe('CONFIRMED');
      expect(tracked.body.shipmentId).toBe(shipments.flat().find((s) => s.orderId === order.id)?.id);
    }
    expect(await eventuallyInvariants(platform, { pendingDeadlineMs: 0, timeoutMs: 30_000 })).toEqual([]);
  });
});
