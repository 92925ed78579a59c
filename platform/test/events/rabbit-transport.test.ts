import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { describe, test } from 'vitest';
import { deadLetterQueueName, RabbitTransport, retryQueueName } from '../../src/events/rabbit-transport.js';
import { reachable } from '../../src/testing/index.js';
import { runTransportContract, type ContractTransport, type TransportHarness } from './transport-contract.js';

const run = promisify(execFile);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const broker = new URL(amqpUrl);
const brokerAddress = `${broker.hostname}:${broker.port || '5672'}`;
const brokerUp = await reachable(`amqp://${brokerAddress}`);

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function rabbitHarness(): Promise<TransportHarness> {
  const runId = `events-contract-${process.pid}-${Date.now().toString(36)}`;
  const exchange = `${runId}.events`;
  const retryDelaysMs = [100, 200];
  const queues: string[] = [];
  let count = 0;

  return Promise.resolve({
    retryDelaysMs,
    async create({ logger, registry }): Promise<ContractTransport> {
      count += 1;
      return RabbitTransport.connect({
        url: amqpUrl,
        logger,
        registry,
        exchange,
        retryDelaysMs,
        reconnect: { initialMs: 50, maxMs: 500 },
        connectionName: `${runId}-transport-${count}`,
      });
    },
    queue(label) {
      const name = `${runId}.${label}`;
      queues.push(name);
      return name;
    },
    // Closes only this run's connections, the way `rabbitmqctl close_all_connections` would, so that
    // other test files using the same broker in parallel are not disturbed.
    async dropConnections() {
      if (!onPath('rabbitmqctl'))
        throw new Error('rabbitmqctl is needed to make the broker drop connections');
      const { stdout } = await run('rabbitmqctl', [
        'list_connections',
        '--quiet',
        '--no-table-headers',
        'pid',
        'client_properties',
      ]);
      const pids = stdout
        .split('\n')
        .filter((line) => line.includes(`${runId}-transport`))
        .map((line) => line.split('\t')[0] ?? '');
      if (pids.length === 0) throw new Error('no connection of this test run found on the broker');
      for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test']);
    },
    async cleanup() {
      const connection = await amqp.connect(amqpUrl);
      const channel = await connection.createChannel();
      for (const queue of queues) {
        for (const name of [
          queue,
          deadLetterQueueName(queue),
          ...retryDelaysMs.map((d) => retryQueueName(queue, d)),
        ]) {
          await channel.deleteQueue(name);
        }
      }
      await channel.deleteExchange(exchange);
      await connection.close();
    },
  });
}

if (brokerUp) {
  runTransportContract('RabbitMQ', rabbitHarness);
} else if (process.env.REQUIRE_SERVICES === '1') {
  describe('RabbitMQ event transport contract', () => {
    test('RabbitMQ is reachable (REQUIRE_SERVICES=1)', () => {
      throw new Error(`RabbitMQ is not reachable at ${brokerAddress}`);
    });
  });
} else {
  console.warn(`RabbitMQ transport contract skipped: no RabbitMQ at ${brokerAddress} (set AMQP_URL)`);
  describe.skip(`RabbitMQ event transport contract (skipped: no RabbitMQ at ${brokerAddress}; set AMQP_URL)`, () => {
    test('skipped', () => undefined);
  });
}
