/** What one service's pipeline is made of, and the check of those options. */
import { ConfigError } from '../core/errors.js';
import { noUnknownKeys, oneOf, positiveNumber } from '../core/validate.js';
import type { CircuitBreakerOptions } from '../breaker/breaker-options.js';
import type { SharedBreakerState } from '../breaker/shared-breaker-state.js';
import type { RateLimiterOptions } from '../limiter/limiter-options.js';
import type { RetryPolicyOptions } from '../retry/retry-options.js';

/**
 * Breaker options of a service. `shared: true` shares the breaker's state through the Resilience's
 * shared store (Redis): see CircuitBreakerOptions.shared; a SharedBreakerState object is used as is.
 */
export type ServiceBreakerOptions = Omit<CircuitBreakerOptions, 'clock' | 'shared'> & { shared?: boolean | SharedBreakerState };

/** Retry options of a service (`name`, `clock` and `events` come from the pipeline). */
export type ServiceRetryOptions = Omit<RetryPolicyOptions, 'name' | 'clock' | 'events'>;

/** Rate limiting of a service: RateLimiter options (`name`, `clock` and `store` come from the pipeline), and whether to limit per model. */
export type ServiceRateLimitOptions = Omit<RateLimiterOptions, 'name' | 'clock' | 'store'> & {
  /**
   * One RateLimiter per model, for providers whose limits are per model (OpenAI: two models on one
   * key have separate limits): a call's `model` (ExecuteOptions.model) picks it; each is created
   * on its first call with these options, is named `<service>/<model>` in stats and events, and
   * learns its own limits from the headers of its own responses. Calls naming no model, and models
   * past the first 64 of the service, use the service's own limiter. Default false here;
   * `UnifiedLLMClient` and `resilientFetch` default it to the provider's own scope (on for OpenAI).
   */
  perModel?: boolean;
};

export interface ServiceOptions {
  /** RateLimiter options, or false for no limiter. Default: none (no limits unless configured). */
  rateLimit?: ServiceRateLimitOptions | false;
  /** CircuitBreaker options, or false for none. Default: the seeds' breaker (5 failures, 60 s). */
  circuitBreaker?: ServiceBreakerOptions | false;
  /** Retry options, or false for none. Default: the seeds' backoff (3 retries, 1 s, x2, 60 s cap). */
  retry?: ServiceRetryOptions | false;
  /** Time allowed for one attempt, in ms. Default: none. */
  timeoutMs?: number;
  /** 'shadow' measures and reports what the limiter and breaker would do, and never blocks. Default 'enforce'. */
  mode?: 'enforce' | 'shadow';
}

const KNOWN = ['rateLimit', 'circuitBreaker', 'retry', 'timeoutMs', 'mode'];

export function validateServiceOptions(path: string, options: ServiceOptions): void {
  if (options === null || typeof options !== 'object') throw new ConfigError(path, options, 'an object of service options');
  noUnknownKeys(path, options, KNOWN);
  if (options.timeoutMs !== undefined) positiveNumber(`${path}.timeoutMs`, options.timeoutMs);
  if (options.mode !== undefined) oneOf(`${path}.mode`, options.mode, ['enforce', 'shadow']);
  for (const part of ['rateLimit', 'circuitBreaker', 'retry'] as const) {
    const value = options[part];
    if (value !== undefined && value !== false && (value === null || typeof value !== 'object')) {
      throw new ConfigError(`${path}.${part}`, value, 'an object of options, or false to switch it off');
    }
  }
  const perModel = options.rateLimit ? options.rateLimit.perModel : undefined;
  if (perModel !== undefined && typeof perModel !== 'boolean') throw new ConfigError(`${path}.rateLimit.perModel`, perModel, 'true or false');
}
