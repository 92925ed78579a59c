import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEnvelope } from '@shop/platform/runtime';
import {
  openPlatformTransport,
  runEventsCommand,
  startPlatform,
  type Platform,
  type PlatformTransport,
} from '../../src/index.js';
import { openReadOnly } from '../../src/sqlite-reader.js';
import { buildServices } from './support/build-services.js';
import { eventually } from './support/eventually.js';
import { rabbitMqTarget } from './support/rabbitmq.js';

const rabbit = await rabbitMqTarget('dead-letter-replay.e2e.test');
const QUEUE = 'shipping-service';

describe.skipIf(!rabbit.available)('Dead-letter replay on RabbitMQ (real processes)', () => {
  let platform: Platform;
  let bus: PlatformTransport;

  beforeAll(async () => {
    await buildServices();
    platform = await startPlatform({
      services: ['order-service', 'shipping-service'],
      env: { AMQP_URL: rabbit.url },
    });
    bus = await openPlatformTransport(platform);
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await platform?.shutdown();
  });

  function shipmentCount(): number {
    const reader = openReadOnly(platform.databaseFile('shipping-service'));
    if (!reader) return 0;
    try {
      return reader.all<{ n: number }>('SELECT COUNT(*) AS n FROM shipments')[0]?.n ?? 0;
    } finally {
      reader.close();
    }
  }

  test('When the dead letters include poison that comes straight back, then replay moves each once, prints a summary and exits 0; nothing is created for an unknown order', async () => {
    const unknownOrder = createEnvelope(
      'OrderConfirmed',
      {
        orderId: randomUUID(),
        customerId: randomUUID(),
        totalCents: 1_000,
        currency: 'USD',
        items: [{ productId: 1, name: 'Mug', quantity: 1, unitPriceCents: 1_000 }],
      },
      { source: 'order-service' },
    );
    await bus.publishRaw('OrderConfirmed', '{"not json');
    await bus.publish(unknownOrder);
    const letters = await eventually('both messages in the dead letters', async () => {
      const found = await bus.listDeadLetters(QUEUE);
      return found.length === 2 ? found : undefined;
    });
    expect(letters.map((letter) => letter.reason).sort()).toEqual(['invalid', 'unknown_aggregate']);

    const result = await runEventsCommand(platform, ['dead-letters', 'replay', QUEUE, '--wait', '5'], 60_000);

    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`moved 2 dead letters back to ${QUEUE}`);
    expect(result.stdout).toContain('summary: 2 replayed, 2 dead-lettered again');
    const after = await bus.listDeadLetters(QUEUE);
    expect(after.map((letter) => letter.reason).sort()).toEqual(['invalid', 'unknown_aggregate']);
    expect(new Set(after.map((letter) => letter.replayId)).size).toBe(1);
    expect(result.stdout).toContain(after[0]?.replayId ?? 'no replay id');
    expect(shipmentCount()).toBe(0);
  });
});
