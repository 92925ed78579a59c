import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createMetricsRegistry,
  createLogger,
  EmbeddedTransport,
  RabbitTransport,
  type EventTransport,
} from '@shop/platform/runtime';
import type { Platform } from './platform-runner.js';
import { repositoryRoot } from './service-map.js';

/** A started platform's event transport, as a tool opens it: its RabbitMQ vhost, or its queue file. */
export type PlatformTransport = EventTransport & {
  /** Publishes a body as is, routed by `type` (for poison messages). */
  publishRaw(type: string, body: string): Promise<void>;
};

type PlatformBus = Pick<Platform, 'amqpUrl' | 'dataDir'>;

export async function openPlatformTransport(platform: PlatformBus): Promise<PlatformTransport> {
  const logger = createLogger({ service: 'resilience-suite', level: 'error', console: false });
  const registry = createMetricsRegistry('resilience-suite', { collectDefault: false });
  if (platform.amqpUrl) {
    const transport = await RabbitTransport.connect({
      url: platform.amqpUrl,
      logger,
      registry,
      connectionName: 'resilience-suite',
    });
    if (!transport.isConnected()) {
      await transport.terminate();
      throw new Error('the platform broker is unreachable');
    }
    return transport;
  }
  return new EmbeddedTransport({ file: join(platform.dataDir, 'events.db'), logger, registry });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when it had to be killed at `timeoutMs`. */
  timedOut: boolean;
  durationMs: number;
}

/**
 * Runs `npm run events -- <args>` as the process an operator starts (node on the built CLI), against the
 * platform's transport, and kills it if it outlives `timeoutMs`.
 */
export function runEventsCommand(
  platform: PlatformBus,
  args: readonly string[],
  timeoutMs: number,
): Promise<CommandResult> {
  const root = repositoryRoot();
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [join(root, 'platform', 'dist', 'src', 'cli', 'events.js'), ...args],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...(platform.amqpUrl
          ? { AMQP_URL: platform.amqpUrl }
          : { EVENT_BUS_FILE: join(platform.dataDir, 'events.db') }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
  });
}
