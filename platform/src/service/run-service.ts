import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Service } from './create-service.js';

export interface StartOptions {
  service: Service;
  port: number;
  host: string;
  logger: Logger;
  shutdownTimeoutMs?: number;
  /** Called after the HTTP server has drained: stop consumers, flush the outbox, close DB and broker. */
  onShutdown?: () => Promise<void> | void;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** Graceful stop: readiness 503, no new connections, in-flight requests finish, then onShutdown. */
  stop(): Promise<void>;
}

/** Listens and returns a handle whose stop() drains gracefully. Tests use it too. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { service, logger } = options;
  const server = createServer(service.app.callback());
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let stopping: Promise<void> | undefined;

  async function drain(): Promise<void> {
    service.markShuttingDown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    // Connections that finish their request become idle; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const outcome = await Promise.race([closed.then(() => 'drained' as const), timedOut]);
    clearInterval(sweeper);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.warn('shutdown timeout reached, closing remaining connections', { timeoutMs });
      server.closeAllConnections();
    }
    await options.onShutdown?.();
  }

  return {
    server,
    url,
    port,
    stop: () => {
      stopping ??= drain();
      return stopping;
    },
  };
}

/**
 * Owns the process: runs `start`, stops gracefully on SIGTERM/SIGINT and exits 0; a bad configuration
 * prints one line and exits 1; any other startup failure is logged and exits 1.
 */
export function runMain(
  name: string,
  start: () => Promise<{ stop: () => Promise<void>; logger: Logger }>,
): void {
  start().then(
    ({ stop, logger }) => {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) return;
        signalled = true;
        logger.info(`${signal} received, shutting down gracefully`);
        stop().then(
          () => {
            logger.info('shutdown complete');
            logger.on('finish', () => process.exit(0));
            logger.end();
            setTimeout(() => process.exit(0), 500).unref();
          },
          (error: unknown) => {
            logger.error('shutdown failed', { err: error });
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name}: ${error.message}\n`);
      } else {
        process.stderr.write(`${name}: failed to start: ${(error as Error).stack ?? String(error)}\n`);
      }
      process.exit(1);
    },
  );
}
