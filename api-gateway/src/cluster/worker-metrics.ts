import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Registry } from '@shop/platform/runtime';
import { GATEWAY_CHANNEL, type MetricsRequest, type MetricsResponse } from './workers.js';

const METRICS_TIMEOUT_MS = 3_000;

/**
 * In a gateway worker, /metrics answers for the whole gateway: the primary collects every worker's series
 * (prom-client's AggregatorRegistry over IPC: counters and histograms summed, so request rates are the
 * gateway's) and this worker serves the result. Per-worker state, such as a breaker's, is summed too: a
 * breaker gauge then counts the workers whose breaker is in that state. Outside a cluster: no change.
 */
export function shareMetricsWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  // Constructing one installs prom-client's answer to the primary's requests in this worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let nextId = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    const response = message as Partial<MetricsResponse> | null;
    if (response?.channel !== GATEWAY_CHANNEL || response.type !== 'metrics-response') return;
    const pending = waiting.get(response.id ?? -1);
    if (!pending) return;
    waiting.delete(response.id ?? -1);
    if (typeof response.text === 'string') pending.resolve(response.text);
    else pending.reject(new Error(`metrics of the gateway's workers: ${response.error ?? 'no answer'}`));
  });
  registry.metrics = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("metrics of the gateway's workers: the primary did not answer in time"));
      }, METRICS_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: MetricsRequest = { channel: GATEWAY_CHANNEL, type: 'metrics-request', id };
      process.send?.(request);
    });
}
