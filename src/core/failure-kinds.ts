/**
 * The one vocabulary of failures shared by retry, circuit breaker and fallback. Each kind says,
 * once, whether it is worth retrying on the same service, whether it says the service is unhealthy
 * (counts for the breaker), and whether another provider may serve instead.
 */
export type FailureKind =
  /** The provider throttled us (429): its bucket is empty for now. */
  | 'rate_limited'
  /** The request can never fit the provider's per-minute bucket (OpenAI "Request too large"). */
  | 'too_large'
  /** Out of quota, credit or spend limit: billing, not throttling. */
  | 'quota_exhausted'
  /** The provider as a whole is overloaded (Anthropic 529, DeepSeek 503). */
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'context_length'
  | 'content_filter'
  | 'auth'
  | 'client_error'
  /** The caller aborted (its signal): never the provider's fault. */
  | 'aborted'
  /** Our own breaker refused the call. */
  | 'circuit_open'
  /** Our own limiter refused the call (waited too long, queue full, can never fit). */
  | 'limiter_rejected'
  /** The shared store (Redis) failed: never a rate limit. */
  | 'store'
  /** A stream that failed before its first content (an error event, a cut, no terminator): may be retried. */
  | 'stream_error'
  /** A stream that failed after content reached the caller: never retried, never silently ended. */
  | 'stream_interrupted'
  | 'config'
  | 'unknown';

export interface FailurePolicy {
  /** Worth another attempt on the same service (after backoff). */
  readonly retryable: boolean;
  /** A sign the service is unhealthy: counts toward opening its circuit. */
  readonly countsForBreaker: boolean;
  /** Another provider may serve the request instead. */
  readonly mayFallBack: boolean;
}

const policy = (retryable: boolean, countsForBreaker: boolean, mayFallBack: boolean): FailurePolicy => ({
  retryable,
  countsForBreaker,
  mayFallBack,
});

export const FAILURE_POLICIES: Readonly<Record<FailureKind, FailurePolicy>> = {
  rate_limited: policy(true, false, true),
  too_large: policy(false, false, true),
  quota_exhausted: policy(false, false, true),
  overloaded: policy(true, true, true),
  server_error: policy(true, true, true),
  timeout: policy(true, true, true),
  network: policy(true, true, true),
  context_length: policy(false, false, true),
  content_filter: policy(false, false, false),
  auth: policy(false, false, true),
  client_error: policy(false, false, false),
  aborted: policy(false, false, false),
  circuit_open: policy(false, false, true),
  limiter_rejected: policy(false, false, true),
  store: policy(false, false, true),
  stream_error: policy(true, true, true),
  stream_interrupted: policy(false, true, false),
  config: policy(false, false, false),
  // An error we cannot read (a bug in the caller's function, an unknown client): the seeds retry
  // every exception, and a service that keeps throwing them is treated as unhealthy.
  unknown: policy(true, true, true),
};
