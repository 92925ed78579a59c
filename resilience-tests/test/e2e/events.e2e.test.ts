import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adminToken,
  eventuallyInvariants,
  newCustomer,
  startPlatform,
  type Platform,
  type TestCustomer,
} from '../../src/index.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { rabbitMqTarget } from './support/rabbitmq.js';
import { messagesFor } from './support/service-logs.js';
import {
  shopApi,
  type Notification,
  type Order,
  type Product,
  type Shipment,
  type ShopApi,
} from './support/shop-api.js';

const rabbit = await rabbitMqTarget('events.e2e.test');

const transports: { transport: string; env: Record<string, string>; enabled: boolean }[] = [
  { transport: 'embedded', env: {}, enabled: true },
  { transport: 'RabbitMQ', env: { AMQP_URL: rabbit.url }, enabled: rabbit.available },
];

// Events cross processes through the outbox relay and the consumers: seconds on an idle machine, more when
// other test files share the two cores. Polls wait this long; a healthy run takes a fraction of it.
const EVENT_WAIT = { timeoutMs: 30_000, intervalMs: 150 };

describe.each(transports)('Order events end to end ($transport transport)', ({ env, enabled }) => {
  describe.skipIf(!enabled)('through the gateway', () => {
    let platform: Platform;
    let api: ShopApi;
    let admin: string;

    beforeAll(async () => {
      await buildServices();
      platform = await startPlatform({ env });
      api = shopApi(platform.gatewayUrl);
      admin = await adminToken(platform);
    }, 120_000);

    afterAll(async () => {
      await platform?.shutdown();
    });

    async function productWithStock(stock: number, priceCents: number): Promise<Product> {
      const product = await api.createProduct(admin, { stock, priceCents });
      platform.recordStockBaseline();
      return product;
    }

    async function confirmedOrder(
      customer: TestCustomer,
      product: Product,
      correlationId: string,
    ): Promise<Order> {
      const placed = await api.placeOrder(
        customer.token,
        { items: [{ productId: product.id, quantity: 1 }] },
        { 'X-Correlation-ID': correlationId },
      );
      expect(placed.status).toBe(201);
      expect(placed.headers.get('x-correlation-id')).toBe(correlationId);
      return placed.body;
    }

    function shipmentOf(
      customer: TestCustomer,
      orderId: string,
      status: Shipment['status'],
    ): Promise<Shipment> {
      return eventually(
        `a ${status} shipment for order ${orderId}`,
        async () => {
          const reply = await api.shipments(customer.token, orderId);
          expect(reply.status).toBe(200);
          return reply.body.data.find((s) => s.status === status);
        },
        EVENT_WAIT,
      );
    }

    function notificationsOf(customer: TestCustomer, eventType: string, count = 1): Promise<Notification[]> {
      return eventually(
        `${count} ${eventType} notification(s) for ${customer.email}`,
        async () => {
          const reply = await api.notifications(customer.token, { eventType });
          expect(reply.status).toBe(200);
          return reply.body.data.length >= count ? reply.body.data : undefined;
        },
        EVENT_WAIT,
      );
    }

    test('When an order is confirmed, then a shipment is scheduled and the customer notified, all under the order request’s correlation ID', async () => {
      const product = await productWithStock(5, 3100);
      const customer = await newCustomer(platform);
      const correlationId = `e2e-order-${randomUUID()}`;

      const order = await confirmedOrder(customer, product, correlationId);

      const shipment = await shipmentOf(customer, order.id, 'SCHEDULED');
      expect(shipment).toMatchObject({ orderId: order.id, customerId: customer.id, correlationId });
      expect(['UPS', 'FedEx', 'DHL', 'USPS']).toContain(shipment.carrier);
      expect(shipment.trackingNumber).toMatch(/^(1Z|FX|JD|94)[0-9A-F]{16}$/);
      const confirmation = await notificationsOf(customer, 'OrderConfirmed');
      expect(confirmation).toMatchObject([{ customerId: customer.id, status: 'SENT', correlationId }]);
      expect(confirmation[0]?.subject).toContain(order.id.split('-')[0]);
      const scheduled = await notificationsOf(customer, 'ShipmentScheduled');
      expect(scheduled).toMatchObject([{ customerId: customer.id, status: 'SENT', correlationId }]);
      const tracked = await eventually(
        'the order to learn its shipment',
        async () => {
          const reply = await api.order(customer.token, order.id);
          return reply.body.shipmentId === undefined ? undefined : reply.body;
        },
        EVENT_WAIT,
      );
      expect(tracked).toMatchObject({ shipmentId: shipment.id, trackingNumber: shipment.trackingNumber });

      // The log files are written asynchronously by winston: poll them like the records.
      const logged = await eventually(
        'log lines with the correlation ID in every service on the path',
        () => {
          const lines = {
            order: messagesFor(platform, 'order-service', correlationId),
            shipping: messagesFor(platform, 'shipping-service', correlationId),
            notification: messagesFor(platform, 'notification-service', correlationId),
          };
          const complete =
            lines.order.length > 0 &&
            lines.shipping.includes('shipment scheduled') &&
            lines.notification.filter((m) => m === 'notification recorded').length >= 2;
          return Promise.resolve(complete ? lines : undefined);
        },
        EVENT_WAIT,
      );
      expect(logged.shipping).toContain('shipment scheduled');
      expect(logged.notification).toContain('notification recorded');
    });

    test('When a confirmed order is cancelled, then it is refunded, restocked, its shipment cancelled and the customer notified', async () => {
      const product = await productWithStock(5, 2700);
      const customer = await newCustomer(platform);
      const order = await confirmedOrder(customer, product, `e2e-order-${randomUUID()}`);
      const shipment = await shipmentOf(customer, order.id, 'SCHEDULED');
      expect(await api.stockOf(product.id)).toBe(4);
      const cancelCorrelationId = `e2e-cancel-${randomUUID()}`;

      const cancelled = await api.call<Order>('POST', `/api/orders/${order.id}/cancel`, {
        token: customer.token,
        headers: { 'X-Correlation-ID': cancelCorrelationId },
      });

      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'cancelled_by_customer' });
      const refunded = await eventually(
        'the payment to be refunded',
        async () => {
          const payment = (await api.payments(customer.token, order.id)).body.data[0];
          return payment?.status === 'REFUNDED' ? payment : undefined;
        },
        EVENT_WAIT,
      );
      expect(refunded.amountCents).toBe(2700);
      await eventually(
        'the unit to be back in stock',
        async () => ((await api.stockOf(product.id)) === 5 ? true : undefined),
        EVENT_WAIT,
      );
      const cancelledShipment = await shipmentOf(customer, order.id, 'CANCELLED');
      expect(cancelledShipment.id).toBe(shipment.id);
      const cancellation = await notificationsOf(customer, 'OrderCancelled');
      expect(cancellation).toMatchObject([{ status: 'SENT', correlationId: cancelCorrelationId }]);
      const refund = await notificationsOf(customer, 'PaymentRefunded');
      expect(refund).toMatchObject([{ status: 'SENT', correlationId: cancelCorrelationId }]);
    });

    test('When an admin moves the shipment IN_TRANSIT, then the order becomes SHIPPED and can no longer be cancelled', async () => {
      const product = await productWithStock(5, 1500);
      const customer = await newCustomer(platform);
      const order = await confirmedOrder(customer, product, `e2e-order-${randomUUID()}`);
      const shipment = await shipmentOf(customer, order.id, 'SCHEDULED');

      const moved = await api.advanceShipment(admin, shipment.id, 'IN_TRANSIT');

      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe('IN_TRANSIT');
      await eventually(
        'the order to become SHIPPED',
        async () =>
          (await api.order(customer.token, order.id)).body.status === 'SHIPPED' ? true : undefined,
        EVENT_WAIT,
      );
      const cancel = await api.cancel(customer.token, order.id);
      expect(cancel.status).toBe(409);
      expect(cancel.body.error?.code).toBe('order_not_cancellable');
      expect((await api.order(customer.token, order.id)).body.status).toBe('SHIPPED');
      expect((await api.payments(customer.token, order.id)).body.data[0]?.status).toBe('CAPTURED');
      expect((await api.shipments(customer.token, order.id)).body.data[0]?.status).toBe('IN_TRANSIT');
      expect(await notificationsOf(customer, 'ShipmentStatusChanged')).toMatchObject([{ status: 'SENT' }]);
    });

    test('When the flows above have settled, then the saga invariants hold', async () => {
      expect(await eventuallyInvariants(platform, { pendingDeadlineMs: 0, timeoutMs: 30_000 })).toEqual([]);
    });
  });
});
