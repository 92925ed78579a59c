import { afterEach, describe, expect, test } from 'vitest';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { RabbitTransport } from '../../src/events/rabbit-transport.js';
import { captureLogger, reachable } from '../../src/testing/index.js';
import { closedPortUrl } from '../logging/fake-elasticsearch.js';
import { metricValue } from './transport-contract.js';

const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const brokerUp = await reachable(`amqp://${new URL(amqpUrl).host || '127.0.0.1:5672'}`);

const transports: RabbitTransport[] = [];
afterEach(async () => {
  for (const transport of transports.splice(0)) await transport.close();
});

async function connect(url: string) {
  const registry = createMetricsRegistry('order-service', { collectDefault: false });
  const transport = await RabbitTransport.connect({
    url,
    logger: captureLogger('order-service').logger,
    registry,
    reconnect: { initialMs: 60_000, maxMs: 60_000 },
  });
  transports.push(transport);
  return { transport, registry };
}

describe('event_broker_connected (the broker-down alert reads it)', () => {
  test('When the broker cannot be reached, then the gauge is 0 while the service keeps running', async () => {
    const url = (await closedPortUrl()).replace('http:', 'amqp:');

    const { transport, registry } = await connect(url);

    expect(transport.isConnected()).toBe(false);
    expect(await metricValue(registry, 'event_broker_connected', {})).toBe(0);
  });

  test.skipIf(!brokerUp)(
    'When connected to RabbitMQ, then the gauge is 1, and 0 once the connection is gone',
    async () => {
      const { transport, registry } = await connect(amqpUrl);

      expect(await metricValue(registry, 'event_broker_connected', {})).toBe(1);
      await (transport as unknown as { connection: { close(): Promise<void> } }).connection.close();
      await expect.poll(() => metricValue(registry, 'event_broker_connected', {})).toBe(0);
    },
  );
});
