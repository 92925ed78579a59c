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
export { createReadWriteClient } from './read-write-client.js';
export {
  BREAKER_VERDICT,
  DEPENDENCY_UNAVAILABLE_CODES,
  type BreakerVerdict,
  type CallOutcome,
} from './call-outcome.js';
