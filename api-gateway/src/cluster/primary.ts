import { appendFileSync } from 'node:fs';
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { GATEWAY_CHANNEL, type MetricsRequest, type MetricsResponse } from './workers.js';

/** A worker that dies after it served is replaced after this pause (doubling while they keep dying). */
const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 10_000;
/** How long after SHUTDOWN_TIMEOUT_MS the primary kills workers that are still running. */
const PRIMARY_GRACE_MS = 250;

/**
 * The gateway's primary process when GATEWAY_WORKERS > 1. It serves no requests and loads little: it forks
 * the workers (which share the port, node:cluster), holds the rate-limit counters they share when there is
 * no Redis (rate-limiter-flexible's RateLimiterClusterMaster, so every limit is exact across workers),
 * sums their metrics for /metrics, replaces a worker that dies, and on SIGTERM or SIGINT stops every
 * worker gracefully within SHUTDOWN_TIMEOUT_MS, exiting 0 when each of them did.
 */
export function runPrimary(workers: number, env: Record<string, string | undefined> = process.env): void {
  const shutdownTimeoutMs = positiveInt(env.SHUTDOWN_TIMEOUT_MS, 10_000);
  const log = primaryLog(env);
  // Always there: without REDIS_URL the workers keep their counters here; with it, in Redis.
  if (env.REDIS_URL === undefined || env.REDIS_URL === '') new RateLimiterClusterMaster();
  const aggregator = new AggregatorRegistry();

  cluster.on('message', (worker: Worker, message: unknown) => {
    const request = message as Partial<MetricsRequest> | null;
    if (request?.channel !== GATEWAY_CHANNEL || request.type !== 'metrics-request') return;
    const reply = (fields: Pick<MetricsResponse, 'text' | 'error'>): void => {
      if (worker.isConnected())
        worker.send({ channel: GATEWAY_CHANNEL, type: 'metrics-response', id: request.id, ...fields });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: (error as Error).message }),
    );
  });

  let listening = 0;
  let everServed = false;
  let restartDelay = RESTART_DELAY_MS;
  let stopping: { failed: boolean } | undefined;
  const served = new WeakSet<Worker>();

  const fork = (): void => {
    cluster.fork();
  };

  cluster.on('listening', (worker: Worker) => {
    served.add(worker);
    listening += 1;
    restartDelay = RESTART_DELAY_MS;
    if (!everServed && listening >= workers) {
      everServed = true;
      log('info', 'api-gateway serving with its workers', { workers, pid: process.pid });
    }
  });

  cluster.on('exit', (worker: Worker, code: number | null, signal: NodeJS.Signals | null) => {
    if (served.has(worker)) listening -= 1;
    const clean = code === 0 && signal === null;
    if (stopping) {
      if (!clean) stopping.failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) finish(stopping.failed ? 1 : 0);
      return;
    }
    if (!served.has(worker)) {
      // It never listened: a bad configuration or a port in use. Every worker would fail the same way.
      log('error', 'api-gateway worker failed to start; stopping', {
        workerPid: worker.process.pid,
        code,
        signal,
      });
      stop(1);
      return;
    }
    log('warn', 'api-gateway worker exited unexpectedly; starting another', {
      workerPid: worker.process.pid,
      code,
      signal,
      restartInMs: restartDelay,
    });
    setTimeout(fork, restartDelay).unref();
    restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
  });

  const finish = (code: number): void => {
    log('info', 'api-gateway workers stopped', { exitCode: code });
    process.exit(code);
  };

  function stop(code: number, signal?: NodeJS.Signals): void {
    if (stopping) return;
    stopping = { failed: code !== 0 };
    const started = Date.now();
    if (signal)
      log('info', `${signal} received, stopping the workers gracefully`, { timeoutMs: shutdownTimeoutMs });
    const alive = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined,
    );
    if (alive.length === 0) finish(code);
    // Each worker runs its own graceful stop (drain, close, flush) within the same deadline.
    for (const worker of alive) worker.process.kill('SIGTERM');
    setTimeout(() => {
      const left = Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined,
      );
      log('warn', 'shutdown deadline reached, killing the workers still running', {
        workers: left.length,
        waitedMs: Date.now() - started,
      });
      for (const worker of left) worker.process.kill('SIGKILL');
      process.exit(1);
      // The workers' own deadline (the same, from their signal a moment later) comes first.
    }, shutdownTimeoutMs + PRIMARY_GRACE_MS).unref();
  }

  process.on('SIGTERM', () => stop(0, 'SIGTERM'));
  process.on('SIGINT', () => stop(0, 'SIGINT'));
  for (let index = 0; index < workers; index++) fork();
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The primary's few lines, in the workers' ECS format, to their log file and (unless turned off) stdout. */
function primaryLog(env: Record<string, string | undefined>) {
  return (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void => {
    const line = `${JSON.stringify({
      '@timestamp': new Date().toISOString(),
      'log.level': level,
      message,
      'service.name': 'api-gateway',
      'process.role': 'primary',
      ...fields,
    })}\n`;
    if (env.LOG_TO_CONSOLE !== 'false') process.stdout.write(line);
    if (env.LOG_FILE) {
      try {
        appendFileSync(env.LOG_FILE, line);
      } catch {
        process.stderr.write(line);
      }
    }
  };
}
