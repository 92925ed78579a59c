import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { deadLetterQueueName, retryQueueName } from '@shop/platform/runtime';
import { reachable, request } from '@shop/platform/tools/testing';
import type { Shipment } from '../src/domain/shipment.js';
import {
  adminToken,
  cancelled,
  confirmed,
  handled,
  startShipping,
  WAIT,
  type RunningShipping,
} from './support/shipping-harness.js';

const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(amqpUrl);
const brokerAddress = `${broker.hostname}:${broker.port || '5672'}`;
const brokerUp = await reachable(`amqp://${brokerAddress}`);

// Unique names: parallel runs and a running platform on the same broker never see each other's messages.
const runId = `shipping-test-${process.pid}-${Date.now().toString(36)}`;
const exchange = `${runId}.events`;
const queue = `${runId}.shipping-service`;

async function deleteTopology(): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  for (const name of [queue, `${queue}.order-double`]) {
    for (const each of [
      name,
      deadLetterQueueName(name),
      retryQueueName(name, 50),
      retryQueueName(name, 100),
    ]) {
      await channel.deleteQueue(each);
    }
  }
  await channel.deleteExchange(exchange);
  await connection.close();
}

function rabbitSuite(): void {
  describe('shipping-service events (RabbitMQ)', () => {
    let service: RunningShipping;

    beforeAll(async () => {
      service = await startShipping({ amqpUrl, exchange, queue });
    });
    afterAll(async () => {
      await service?.stop();
      await deleteTopology();
    });

    test('When OrderConfirmed is delivered twice then cancelled, then one shipment is scheduled then cancelled, with the event correlation ID', async () => {
      const event = confirmed();
      const { orderId, customerId } = event.data;

      await service.orders.publish(event);
      await service.orders.publish(event);
      let shipment: Shipment | undefined;
      await vi.waitFor(async () => {
        const res = await request<{ data: Shipment[] }>(
          service.url,
          'GET',
          `/api/shipments?orderId=${orderId}`,
          {
            token: adminToken,
          },
        );
        [shipment] = res.body.data;
        expect(shipment?.correlationId).toBe(event.correlationId);
      }, WAIT);
      const cancellation = cancelled(orderId, customerId);
      await service.orders.publish(cancellation);
      await vi.waitFor(() => expect(handled(service.db, cancellation.id)).toBe(true), WAIT);

      expect(service.shipping.find(shipment?.id ?? '')?.status).toBe('CANCELLED');
      expect(
        service.db.prepare('SELECT COUNT(*) FROM shipments WHERE order_id = ?').pluck().get(orderId),
      ).toBe(1);
      await vi.waitFor(
        () =>
          expect(
            service.orders.received.filter((e) => e.data.orderId === orderId).map((e) => e.type),
          ).toEqual(['ShipmentScheduled', 'ShipmentStatusChanged']),
        WAIT,
      );
      expect(await service.bus.readiness()).toEqual({ ok: true, detail: 'rabbitmq connected' });
    });
  });
}

if (brokerUp) {
  rabbitSuite();
} else if (process.env.REQUIRE_SERVICES === '1') {
  describe('shipping-service events (RabbitMQ)', () => {
    test('RabbitMQ is reachable (REQUIRE_SERVICES=1)', () => {
      throw new Error(`RabbitMQ is not reachable at ${brokerAddress}`);
    });
  });
} else {
  console.warn(`shipping-service RabbitMQ test skipped: no RabbitMQ at ${brokerAddress} (set AMQP_URL)`);
  describe.skip(`shipping-service events (RabbitMQ) (skipped: no RabbitMQ at ${brokerAddress}; set AMQP_URL)`, () => {
    test('skipped', () => undefined);
  });
}
