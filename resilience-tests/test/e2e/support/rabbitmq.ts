import { reachable } from '@shop/platform/tools/testing';
import { rabbitmqctlAvailable } from '../../../src/broker-sandbox.js';
import { loadConfig } from '../../../src/config.js';

export interface RabbitMqTarget {
  /** AMQP_URL handed to the platform; the runner turns it into a private vhost. */
  url: string;
  available: boolean;
}

/**
 * Whether the RabbitMQ variants can run: the broker must answer and rabbitmqctl must work, because the
 * runner isolates each platform in its own vhost with it (a shared vhost would let parallel runs consume
 * each other's events). Unavailable: a clear skip message, or an error under REQUIRE_SERVICES=1.
 */
export async function rabbitMqTarget(testFile: string): Promise<RabbitMqTarget> {
  const config = loadConfig();
  const url = config.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const { hostname, port } = new URL(url);
  const address = `${hostname}:${port || '5672'}`;
  let reason: string | undefined;
  if (!(await reachable(`http://${address}`))) reason = `RabbitMQ at ${address} is unreachable`;
  else if (!(await rabbitmqctlAvailable()))
    reason = 'rabbitmqctl is unavailable (needed for a private vhost)';
  if (reason === undefined) return { url, available: true };
  if (config.REQUIRE_SERVICES) throw new Error(`[${testFile}] ${reason} and REQUIRE_SERVICES=1`);
  console.warn(`[${testFile}] RabbitMQ variant skipped: ${reason} (set REQUIRE_SERVICES=1 to fail instead)`);
  return { url, available: false };
}
