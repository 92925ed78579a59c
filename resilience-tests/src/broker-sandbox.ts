import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 30_000 });
  return stdout;
}

export async function rabbitmqctlAvailable(): Promise<boolean> {
  try {
    await rabbitmqctl('version');
    return true;
  } catch {
    return false;
  }
}

/**
 * A private vhost on the shared local RabbitMQ for one started platform: its queues never meet those of a
 * parallel test run, and an outage drill cuts only this stack's connections and permissions, never the
 * broker everyone else on the machine is using.
 */
export interface BrokerSandbox {
  /** AMQP_URL for the services, pointing at the private vhost. */
  url: string;
  vhost: string;
  /** Revokes the user's permissions on the vhost and closes its connections: reconnects fail until restore(). */
  outage(): Promise<void>;
  restore(): Promise<void>;
  remove(): Promise<void>;
}

export async function createBrokerSandbox(baseUrl: string): Promise<BrokerSandbox> {
  const parsed = new URL(baseUrl);
  const user = decodeURIComponent(parsed.username || 'guest');
  const vhost = `shop-resilience-${randomBytes(4).toString('hex')}`;
  await rabbitmqctl('add_vhost', vhost);
  const grant = () => rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  await grant();
  parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: parsed.toString(),
    vhost,
    async outage() {
      await rabbitmqctl('clear_permissions', '-p', vhost, user);
      await rabbitmqctl(
        'close_all_connections',
        '-p',
        vhost,
        '--limit',
        '10000',
        'resilience suite: broker outage drill',
      );
    },
    async restore() {
      await grant();
    },
    async remove() {
      await rabbitmqctl('delete_vhost', vhost);
    },
  };
}
