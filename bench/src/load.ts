import autocannon from 'autocannon';
import { Pool } from 'undici';
import { summarizeLatencies, type LatencySummary } from '@shop/load-generator';

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult extends LatencySummary {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU time of the target process per answered request (µs), when measured. */
  cpuMicrosPerRequest?: number;
}

/**
 * One load run, with the CPU time the target process spent on it divided by the requests it answered (NaN
 * when none were). `cpuMicros` reads the target's CPU time so far; where it cannot (undefined), none is set.
 */
export async function withCpuPerRequest(
  cpuMicros: () => Promise<number | undefined> | number | undefined,
  run: () => Promise<LoadResult>,
): Promise<LoadResult> {
  const cpuBefore = await cpuMicros();
  const result = await run();
  const cpuAfter = await cpuMicros();
  if (cpuBefore === undefined || cpuAfter === undefined) return result;
  return {
    ...result,
    cpuMicrosPerRequest: result.requests > 0 ? (cpuAfter - cpuBefore) / result.requests : Number.NaN,
  };
}

/**
 * One autocannon run, closed loop: every connection sends its next request as soon as the previous answer
 * is in (saturation). Latencies are taken from every response event (floating-point ms from hrtime)
 * rather than autocannon's histogram, which keeps whole milliseconds: the gateway's cost is sub-ms.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const samples: number[] = [];
  const statusCodes: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
      },
      (error: unknown, finished: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
        else resolve(finished);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      samples.push(responseTime);
      const key = String(statusCode);
      statusCodes[key] = (statusCodes[key] ?? 0) + 1;
    });
  });
  return {
    ...summarizeLatencies(samples),
    requestsPerSecond: samples.length / result.duration,
    requests: samples.length,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

export interface PacedLoadOptions {
  url: string;
  headers: Record<string, string>;
  /** Keep-alive connections requests are spread over. */
  connections: number;
  durationSeconds: number;
  /** Requests per second, sent evenly spaced (one every 1000 / rate ms on average). */
  rate: number;
}

/**
 * An open-loop, evenly paced run: requests leave on a 1 ms clock at `rate` per second, whatever the target
 * answers, over at most `connections` keep-alive connections. This is the "moderate load" where added
 * latency is read: autocannon's `overallRate` is a per-second quota instead (each connection sends its
 * share back to back at the start of every second, then waits), so its "1000 req/s" is a burst of
 * closed-loop saturation in which latency is mostly queueing. Latency runs from the send to the body's end.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const path = `${target.pathname}${target.search}`;
  const samples: number[] = [];
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const startedAt = performance.now();
    const call = pool
      .request({ method: 'GET', path, headers: options.headers })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        samples.push(performance.now() - startedAt);
        const key = String(statusCode);
        statusCodes[key] = (statusCodes[key] ?? 0) + 1;
        if (statusCode < 200 || statusCode >= 300) non2xx++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };
  const startedAt = performance.now();
  const durationMs = options.durationSeconds * 1000;
  await new Promise<void>((resolve) => {
    const clock = setInterval(() => {
      const elapsed = performance.now() - startedAt;
      const due = Math.min(Math.floor((elapsed * options.rate) / 1000), (durationMs * options.rate) / 1000);
      while (sent < due) {
        sent++;
        send();
      }
      if (elapsed >= durationMs) {
        clearInterval(clock);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  await pool.close();
  return {
    ...summarizeLatencies(samples),
    requestsPerSecond: samples.length / elapsedSeconds,
    requests: samples.length,
    non2xx,
    errors,
    timeouts: 0,
    statusCodes,
  };
}
