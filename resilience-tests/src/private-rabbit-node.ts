import { freePorts } from '@shop/platform/tools';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A RabbitMQ node of its own on 127.0.0.1, for faults that act on a whole node, such as a memory alarm:
 * setting one on the shared broker would block every other user of it. Needs `rabbitmq-server` and
 * `rabbitmqctl` on this machine; boots in about ten seconds.
 */
export interface PrivateRabbitNode {
  /** amqp://guest:guest@127.0.0.1:<port> */
  readonly url: string;
  readonly nodeName: string;
  /** `set_vm_memory_high_watermark 0`: the node blocks every connection that publishes. */
  alarm(): Promise<void>;
  /** Back to the default watermark (0.4): blocked connections are released. */
  clearAlarm(): Promise<void>;
  /** Stops the node and removes its files. */
  stop(): Promise<void>;
}

async function rabbitmqUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run('id', ['-u', 'rabbitmq'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'rabbitmq'])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

/** Whether this machine can start a node (the binaries are there and answer). */
export async function privateRabbitNodeAvailable(): Promise<boolean> {
  try {
    await run('rabbitmqctl', ['version'], { timeout: 30_000 });
    await run('sh', ['-c', 'command -v rabbitmq-server']);
    return true;
  } catch {
    return false;
  }
}

export async function startPrivateRabbitNode(): Promise<PrivateRabbitNode> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-rabbit-node-'));
  const [amqpPort, distPort] = await freePorts(2);
  const nodeName = `shop-resilience-${randomBytes(4).toString('hex')}@localhost`;
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${amqpPort}\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  // Started as root, the rabbitmq scripts switch to the rabbitmq user, which must own the node's files.
  if (process.getuid?.() === 0) {
    const ids = await rabbitmqUserIds();
    if (ids) chownTree(dir, ids.uid, ids.gid);
  }
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_DIST_PORT: String(distPort),
  };
  const ctl = (...args: string[]) => run('rabbitmqctl', ['-n', nodeName, ...args], { timeout: 90_000 });
  const stop = async (): Promise<void> => {
    await ctl('stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('rabbitmq-server', ['-detached'], { env, timeout: 60_000 });
    // -detached returns before the node has registered: until then await_startup fails at once.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await ctl('await_startup', '--timeout', '60');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  } catch (error) {
    await stop();
    throw new Error(
      `could not start a private RabbitMQ node: ${(error as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  return {
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    nodeName,
    async alarm() {
      await ctl('set_vm_memory_high_watermark', '0');
    },
    async clearAlarm() {
      await ctl('set_vm_memory_high_watermark', '0.4');
    },
    stop,
  };
}
