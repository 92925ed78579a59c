import { availableParallelism } from 'node:os';

/**
 * GATEWAY_WORKERS, read by the primary process before anything else is loaded: how many processes serve
 * the gateway's port (node:cluster). Unset: every core of the machine in production, one elsewhere (where
 * the gateway is a single process, as before). The workers validate the rest of the configuration.
 */
export function gatewayWorkerCount(
  source: Record<string, string | undefined> = process.env,
  cores: number = availableParallelism(),
): number {
  const raw = source.GATEWAY_WORKERS?.trim();
  if (raw === undefined || raw === '') return source.NODE_ENV === 'production' ? Math.max(1, cores) : 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_GATEWAY_WORKERS) {
    throw new RangeError(
      `GATEWAY_WORKERS must be a whole number from 1 to ${MAX_GATEWAY_WORKERS} (got "${raw}"); unset it for one per core in production`,
    );
  }
  return Number(raw);
}

export const MAX_GATEWAY_WORKERS = 64;

/** IPC messages between the gateway's workers and its primary (besides rate-limiter-flexible's own). */
export const GATEWAY_CHANNEL = 'shop-gateway';

export interface MetricsRequest {
  channel: typeof GATEWAY_CHANNEL;
  type: 'metrics-request';
  id: number;
}

export interface MetricsResponse {
  channel: typeof GATEWAY_CHANNEL;
  type: 'metrics-response';
  id: number;
  text?: string;
  error?: string;
}
