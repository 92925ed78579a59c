import { AppError } from '../errors/app-error.js';

/** Why an upstream call failed without an HTTP response to hand back. */
export type UpstreamFailureReason =
  'breaker_open' | 'connection_refused' | 'bulkhead_full' | 'timeout' | 'bad_gateway';

/**
 * Whether the upstream may have acted on the request: `not_sent` means it certainly did not (safe to
 * compensate), `unknown` means it may have (e.g. a timeout after the request was written).
 */
export type UpstreamOutcome = 'not_sent' | 'unknown';

interface ReasonPolicy {
  code: string;
  status: number;
  outcome: UpstreamOutcome;
  message: string;
}

// Messages reach clients (expose: true), so they name no host, port or upstream.
const POLICIES: Record<UpstreamFailureReason, ReasonPolicy> = {
  breaker_open: {
    code: 'upstream_unavailable',
    status: 503,
    outcome: 'not_sent',
    message: 'A service this request depends on is temporarily unavailable, retry later',
  },
  connection_refused: {
    code: 'upstream_unavailable',
    status: 503,
    outcome: 'not_sent',
    message: 'A service this request depends on is unreachable, retry later',
  },
  bulkhead_full: {
    code: 'upstream_unavailable',
    status: 503,
    outcome: 'not_sent',
    message: 'A service this request depends on is overloaded, retry later',
  },
  timeout: {
    code: 'upstream_timeout',
    status: 504,
    outcome: 'unknown',
    message: 'A service this request depends on did not answer in time',
  },
  bad_gateway: {
    code: 'bad_gateway',
    status: 502,
    outcome: 'unknown',
    message: 'A service this request depends on failed to answer properly',
  },
};

/**
 * An upstream call that produced no usable HTTP response. `status`/`code` follow from `reason`:
 * 503 `upstream_unavailable` (breaker_open, connection_refused, bulkhead_full; outcome `not_sent`),
 * 504 `upstream_timeout` (timeout; outcome `unknown`), 502 `bad_gateway` (connection reset or malformed
 * response; outcome `unknown`). 503s carry `Retry-After`.
 */
export class UpstreamError extends AppError {
  readonly outcome: UpstreamOutcome;
  readonly reason: UpstreamFailureReason;
  /** The upstream's logical name, for logs; never part of the client-facing message. */
  readonly upstream: string;

  constructor(
    upstream: string,
    reason: UpstreamFailureReason,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    const policy = POLICIES[reason];
    const headers: Record<string, string> = {};
    if (policy.status === 503) headers['Retry-After'] = String(Math.max(1, options.retryAfterSeconds ?? 1));
    super(policy.code, policy.message, policy.status, { headers, cause: options.cause, expose: true });
    this.name = 'UpstreamError';
    this.outcome = policy.outcome;
    this.reason = reason;
    this.upstream = upstream;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}
