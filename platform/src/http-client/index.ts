export {
  createUpstreamClient,
  type CancelListener,
  type CancelSignal,
  type ForwardedHead,
  type ForwardRequest,
  type ForwardResponse,
  type UpstreamClient,
  type UpstreamOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './upstream-client.js';
export {
  UpstreamError,
  isUpstreamError,
  type UpstreamFailureReason,
  type UpstreamOutcome,
} from './upstream-error.js';
export type { BreakerEvent } from './upstream-telemetry.js';
