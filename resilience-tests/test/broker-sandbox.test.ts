import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reachable } from '@shop/platform/tools/testing';
import { createBrokerSandbox, rabbitmqctlAvailable, type BrokerSandbox } from '../src/broker-sandbox.js';
import { loadConfig } from '../src/config.js';

const AMQP_URL = loadConfig().AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(AMQP_URL);
const available =
  (await reachable(`http://${broker.hostname}:${broker.port || 5672}`)) && (await rabbitmqctlAvailable());
if (!available) {
  if (loadConfig().REQUIRE_SERVICES)
    throw new Error(`RabbitMQ or rabbitmqctl unavailable at ${AMQP_URL} (REQUIRE_SERVICES=1)`);
  console.warn(`[broker-sandbox.test] skipped: RabbitMQ at ${AMQP_URL} or rabbitmqctl is unavailable`);
}

async function connects(url: string): Promise<boolean> {
  try {
    const connection = await amqp.connect(url);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!available)('createBrokerSandbox (private RabbitMQ vhost)', () => {
  let sandbox: BrokerSandbox;

  beforeAll(async () => {
    sandbox = await createBrokerSandbox(AMQP_URL);
  });

  afterAll(async () => {
    await sandbox?.remove().catch(() => undefined);
  });

  test('When created, then its URL names a fresh vhost the user can connect to', async () => {
    expect(new URL(sandbox.url).pathname).toBe(`/${sandbox.vhost}`);
    expect(await connects(sandbox.url)).toBe(true);
  });

  test('When an outage is drilled, then open connections are closed and reconnects fail until restore()', async () => {
    const connection = await amqp.connect(sandbox.url);
    const closed = new Promise<void>((resolve) => connection.once('close', () => resolve()));
    connection.on('error', () => undefined);

    await sandbox.outage();

    await closed;
    expect(await connects(sandbox.url)).toBe(false);
    await sandbox.restore();
    expect(await connects(sandbox.url)).toBe(true);
  });

  test('When removed, then the vhost is gone', async () => {
    await sandbox.remove();
    expect(await connects(sandbox.url)).toBe(false);
  });
});
