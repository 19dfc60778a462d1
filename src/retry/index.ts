/** Retries: backoff with jitter, the provider's retry-after, a retry budget and a deadline. */
export { backoffDelayMs, cappedExponentialDelayMs, nextBackoffDelayMs, type RandomSource } from './backoff.js';
export { RetryBudget, type RetryBudgetStats } from './retry-budget.js';
export {
  RETRY_DEFAULTS,
  resolveBackoffOptions,
  resolveRetryBudgetOptions,
  type BackoffOptions,
  type JitterKind,
  type ResolvedBackoffOptions,
  type ResolvedRetryBudgetOptions,
  type RetryBudgetOptions,
  type RetryExecuteOptions,
  type RetryPolicyOptions,
} from './retry-options.js';
export { RetryPolicy, type RetryContext, type RetryDecision } from './retry-policy.js';
