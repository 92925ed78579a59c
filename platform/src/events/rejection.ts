/**
 * Why a handler refused an event for good:
 * - `unknown_aggregate`: the service that owns the aggregate the event is about does not know it (an event
 *   about an order, customer... that does not exist);
 * - `aggregate_mismatch`: the owner knows it, in a state or with an owner that contradicts the event.
 */
export type RejectionReason = 'unknown_aggregate' | 'aggregate_mismatch';

/**
 * Thrown by an event handler for an event that can never apply: the transport dead-letters it at once with
 * `reason` (no retries, no state created). Any other error is transient and retried.
 */
export class RejectedEventError extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'RejectedEventError';
  }
}

export function isRejection(error: unknown): error is RejectedEventError {
  return error instanceof RejectedEventError;
}
