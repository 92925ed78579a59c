import type { Server } from 'node:http';
import { startTracing, stopTracing } from '../tracing/tracing.js';
import type { Registry } from 'prom-client';
import { startMetricsServer } from './metrics-exposure.js';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/config.js';
import { endLogger, type Logger } from '../logging/logger.js';
import type { Service } from './create-service.js';
import { settleBy, shutdownDeadline, type ShutdownDeadline } from './shutdown.js';
import { createLimitedServer, DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.js';

/** SHUTDOWN_TIMEOUT_MS's default: the whole graceful stop, from the signal to the exit. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface StartOptions {
  service: Service;
  port: number;
  host: string;
  logger: Logger;
  /** The budget of a stop() called without a deadline (default 10 s). */
  shutdownTimeoutMs?: number;
  /**
   * Called after the HTTP server has drained: stop workers and consumers, flush the outbox, close the broker
   * and the database, each by `deadline.closeBy` (abandoning what is left) and all by `deadline.at`.
   */
  onShutdown?: (deadline: ShutdownDeadline) => Promise<void> | void;
  /** Timeouts and connection caps (default DEFAULT_SERVER_LIMITS; `serve` passes the HTTP_* settings). */
  limits?: Partial<ServerLimits> | undefined;
  /** METRICS_PORT: GET /metrics of `registry` on its own port of the same host (closed with the server). */
  metrics?: { port: number | undefined; registry: Registry } | undefined;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** The METRICS_PORT server's port, when there is one. */
  metricsPort?: number | undefined;
  /**
   * Graceful stop: readiness 503, no new connections, in-flight requests finish until `deadline.drainBy`
   * (then their connections are closed), then onShutdown. Resolves by `deadline.at` whatever onShutdown does.
   */
  stop(deadline?: ShutdownDeadline): Promise<void>;
}

/** Listens and returns a handle whose stop() drains gracefully. Tests use it too. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { service, logger } = options;
  const server = createLimitedServer(service.app.callback(), { ...DEFAULT_SERVER_LIMITS, ...options.limits });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const metricsServer =
    options.metrics?.port === undefined
      ? undefined
      : await startMetricsServer({
          registry: options.metrics.registry,
          host: options.host,
          port: options.metrics.port,
        });
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let stopping: Promise<void> | undefined;

  async function drain(deadline: ShutdownDeadline): Promise<void> {
    service.markShuttingDown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Connections that finish their request become idle; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const drained = await settleBy(closed, deadline.drainBy);
    clearInterval(sweeper);
    if (drained.outcome !== 'done') {
      logger.warn('shutdown: requests still in flight at the drain deadline, closing their connections', {
        drainMs: deadline.drainBy - deadline.startedAt,
      });
      server.closeAllConnections();
    }
    // Metrics stay scrapeable while requests drain, and go with the server.
    await metricsServer?.close();
    if (options.onShutdown) await settleBy(Promise.resolve(options.onShutdown(deadline)), deadline.at);
  }

  return {
    server,
    url,
    port,
    metricsPort: metricsServer?.port,
    stop: (deadline) => {
      stopping ??= drain(
        deadline ?? shutdownDeadline(options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS),
      );
      return stopping;
    },
  };
}

/** What a service's start function hands to `runMain`. */
export interface MainHandle {
  /** The graceful stop; it must be over by `deadline.at` (`serve` does that). */
  stop: (deadline: ShutdownDeadline) => Promise<void>;
  logger: Logger;
  /** SHUTDOWN_TIMEOUT_MS: from the signal to the exit. */
  shutdownTimeoutMs: number;
}

/**
 * Owns the process: runs `start`, and on SIGTERM/SIGINT stops gracefully within `shutdownTimeoutMs` and
 * exits 0 (1 if a step of the stop failed). Whatever still runs at that deadline is abandoned and the
 * process exits anyway. A signal during start-up stops the service as soon as it has started, and the
 * process exits by the same deadline (the configured one once `start` passed it to `useShutdownTimeout`,
 * should start-up itself hang, e.g. on a broker that accepts the connection but never answers). A bad
 * configuration prints one line and exits 1; any other startup failure is logged and exits 1.
 */
/** Flushes and stops the trace exporter, giving up at `at` (epoch ms). */
async function flushTraces(at: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, at - Date.now()));
  });
  await Promise.race([stopTracing().catch(() => undefined), expired]);
  clearTimeout(timer);
}

/** What `start` tells `runMain` before it has started: the logger, and the configured shutdown deadline. */
export interface EarlyMain {
  useLogger(logger: Logger): void;
  /** SHUTDOWN_TIMEOUT_MS as configured: a signal during start-up exits within it, not the default. */
  useShutdownTimeout(timeoutMs: number): void;
}

export function runMain(name: string, start: (early: EarlyMain) => Promise<MainHandle>): void {
  let handle: MainHandle | undefined;
  let earlyLogger: Logger | undefined;
  let earlyShutdownTimeoutMs: number | undefined;
  exitOnFatalErrors(name, () => handle?.logger ?? earlyLogger);
  let signalled: { signal: NodeJS.Signals; at: number } | undefined;

  const exitAtDeadline = (timeoutMs: number, from: number): NodeJS.Timeout =>
    // The last resort, should start-up, the database or the logger themselves hang.
    setTimeout(
      () => {
        process.stderr.write(
          `${JSON.stringify({ 'log.level': 'warn', message: 'shutdown deadline reached, exiting now', 'service.name': name, timeoutMs })}\n`,
        );
        process.exit(0);
      },
      Math.max(0, from + timeoutMs - Date.now()),
    );

  let startupWatchdog: NodeJS.Timeout | undefined;
  const stopNow = ({ stop, logger, shutdownTimeoutMs }: MainHandle, signal: NodeJS.Signals, at: number) => {
    clearTimeout(startupWatchdog);
    const deadline = shutdownDeadline(shutdownTimeoutMs, at);
    exitAtDeadline(shutdownTimeoutMs, at);
    logger.info(`${signal} received, shutting down gracefully`, { timeoutMs: shutdownTimeoutMs });
    stop(deadline)
      .then(
        () => {
          logger.info('shutdown complete', { durationMs: Date.now() - deadline.startedAt });
          return 0;
        },
        (error: unknown) => {
          logger.error('shutdown failed', { err: error });
          return 1;
        },
      )
      .then(
        async (code) => {
          // The last spans (this shutdown's included) go out before the process ends, within the deadline.
          await flushTraces(deadline.at);
          await endLogger(logger, deadline.at);
          process.exit(code);
        },
        () => process.exit(1),
      );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = { signal, at: Date.now() };
    if (handle) stopNow(handle, signal, signalled.at);
    else
      startupWatchdog = exitAtDeadline(earlyShutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, signalled.at);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Tracing first (only with OTEL_EXPORTER_OTLP_ENDPOINT), so the start-up's own calls are traced.
  startTracing(name)
    .then(() =>
      start({
        useLogger: (logger) => {
          earlyLogger = logger;
        },
        useShutdownTimeout: (timeoutMs) => {
          earlyShutdownTimeoutMs = timeoutMs;
          // A signal that came before the configuration was read: its watchdog now keeps the configured time.
          if (signalled && !handle) {
            clearTimeout(startupWatchdog);
            startupWatchdog = exitAtDeadline(timeoutMs, signalled.at);
          }
        },
      }),
    )
    .then(
      (started) => {
        handle = started;
        if (signalled) stopNow(started, signalled.signal, signalled.at);
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

/** How long a fatal error waits for its log line to reach the file and Elasticsearch before the exit. */
const FATAL_LOG_FLUSH_MS = 2_000;

/**
 * An uncaught exception or an unhandled rejection leaves the process in an unknown state: it is logged through
 * the service's ECS logger (`error.type`, `error.message`, `error.stack_trace`, the correlation ID of the request
 * it came from when the async context is known) and the process exits 1 once the line is written (at most
 * FATAL_LOG_FLUSH_MS), for the supervisor to restart it. Before the logger exists, one ECS line goes to stderr.
 */
function exitOnFatalErrors(name: string, currentLogger: () => Logger | undefined): void {
  let exiting = false;
  const fatal = (kind: 'uncaughtException' | 'unhandledRejection') => (reason: unknown) => {
    if (exiting) return;
    exiting = true;
    const message =
      kind === 'uncaughtException' ? 'uncaught exception, exiting' : 'unhandled promise rejection, exiting';
    const logger = currentLogger();
    if (logger === undefined) {
      const error = reason instanceof Error ? reason : new Error(String(reason));
      process.stderr.write(
        `${JSON.stringify({
          '@timestamp': new Date().toISOString(),
          'log.level': 'error',
          message,
          'service.name': name,
          event: { action: kind },
          error: { type: error.name, message: error.message, stack_trace: error.stack },
        })}\n`,
      );
      process.exit(1);
    }
    logger.error(message, { err: reason, event: { action: kind } });
    endLogger(logger, Date.now() + FATAL_LOG_FLUSH_MS).then(
      () => process.exit(1),
      () => process.exit(1),
    );
  };
  process.on('uncaughtException', fatal('uncaughtException'));
  process.on('unhandledRejection', fatal('unhandledRejection'));
}
