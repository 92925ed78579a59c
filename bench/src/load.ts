import autocannon from 'autocannon';
import { summarizeLatencies, type LatencySummary } from './report.js';

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Total requests per second across connections; unset = as fast as the target answers. */
  overallRate?: number;
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
 * One autocannon run. Latencies are taken from every response event (floating-point ms from hrtime)
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
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
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
