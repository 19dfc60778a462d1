/**
 * A validated configuration as the TypeScript options it stands for (seconds become
 * milliseconds): UnifiedLLMClient options, or one pipeline's ServiceOptions per provider for
 * createResilience. Code that sets an option itself wins over the configuration (spread after).
 */
import type { ProviderOptions, UnifiedLLMClientOptions } from '../client/client-options.js';
import type { ServiceBreakerOptions, ServiceOptions, ServiceRateLimitOptions, ServiceRetryOptions } from '../policy/service-options.js';
import { PROVIDER_SPECS } from '../providers/provider-specs.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';
import type { ProviderLimitsConfig, ResilienceConfig } from './schema.js';

const MS = 1000;

/** The breaker every provider gets. */
export function breakerFromConfig(config: ResilienceConfig): ServiceBreakerOptions | false {
  const cb = config.circuit_breaker;
  if (!cb.enabled) return false;
  return { failureThreshold: cb.failure_threshold, successThreshold: cb.success_threshold, openMs: cb.timeout_seconds * MS, halfOpenMaxCalls: cb.half_open_max_calls, shared: cb.shared };
}

/** The retry policy every provider gets. */
export function retryFromConfig(config: ResilienceConfig): ServiceRetryOptions {
  const b = config.backoff;
  return { maxRetries: config.resilience.max_retries, baseDelayMs: b.base_delay * MS, maxDelayMs: b.max_delay * MS, exponentialBase: b.exponential_base, jitter: b.jitter };
}

/**
 * A provider's limits: what the configuration sets (each an upper bound the provider's headers may
 * lower), over the provider's defaults (the seeds' conservative tier, only a start the headers
 * replace); undefined when the configuration says nothing of the provider.
 */
export function limitsFromConfig(id: ProviderId, limits: ProviderLimitsConfig | undefined): ServiceRateLimitOptions | undefined {
  if (limits === undefined) return undefined;
  const spec = PROVIDER_SPECS[id];
  const out: ServiceRateLimitOptions = { initialLimits: spec.defaultLimits };
  const rpm = limits.max_requests_per_minute ?? spec.defaultLimits.requestsPerMinute;
  if (spec.requestBurstSeconds) out.burst = { requestsPerMinute: Math.max(1, (rpm * spec.requestBurstSeconds) / 60) };
  if (limits.max_requests_per_minute !== undefined) out.requestsPerMinute = limits.max_requests_per_minute;
  if (limits.max_tokens_per_minute !== undefined) out.tokensPerMinute = limits.max_tokens_per_minute;
  if (limits.max_input_tokens_per_minute !== undefined) out.inputTokensPerMinute = limits.max_input_tokens_per_minute;
  if (limits.max_output_tokens_per_minute !== undefined) out.outputTokensPerMinute = limits.max_output_tokens_per_minute;
  if (limits.max_requests_per_day !== undefined) out.requestsPerDay = limits.max_requests_per_day;
  if (limits.max_tokens_per_day !== undefined) out.tokensPerDay = limits.max_tokens_per_day;
  if (limits.max_concurrent_requests !== undefined) out.maxConcurrent = limits.max_concurrent_requests;
  if (limits.max_wait_seconds !== undefined) out.maxWaitMs = limits.max_wait_seconds * MS;
  if (limits.max_pause_seconds !== undefined) out.maxPauseMs = limits.max_pause_seconds * MS;
  // Per model where the provider limits per model (OpenAI), unless the configuration says.
  const perModel = limits.per_model ?? spec.limitsPerModel;
  if (perModel !== undefined) out.perModel = perModel;
  return out;
}

/** UnifiedLLMClient options (no keys, store or logger: those are the caller's). */
export function clientOptionsFromConfig(config: ResilienceConfig): UnifiedLLMClientOptions {
  const breaker = breakerFromConfig(config);
  const retry = retryFromConfig(config);
  const providers: Partial<Record<ProviderId, ProviderOptions>> = {};
  for (const id of PROVIDER_IDS) {
    const rateLimit = limitsFromConfig(id, config.rate_limiting[id]);
    const charge = config.rate_limiting[id]?.charge;
    providers[id] = {
      ...(rateLimit ? { rateLimit } : {}),
      ...(charge ? { accounting: { charge } } : {}),
      circuitBreaker: breaker,
      retry,
      timeoutMs: config.resilience.attempt_timeout_seconds * MS,
    };
  }
  return {
    providers,
    enableCircuitBreaker: config.circuit_breaker.enabled,
    enableRateLimiting: config.rate_limiting.enabled,
    maxRetries: config.resilience.max_retries,
    ...(config.resilience.preferred_model ? { preferredModel: config.resilience.preferred_model } : {}),
    ...(config.resilience.fallback_order ? { fallback: config.resilience.fallback_order } : {}),
  };
}

/** One ServiceOptions per provider the configuration names under rate_limiting (for createResilience). */
export function servicesFromConfig(config: ResilienceConfig): Record<string, ServiceOptions> {
  const services: Record<string, ServiceOptions> = {};
  const circuitBreaker = breakerFromConfig(config);
  const retry = retryFromConfig(config);
  for (const id of PROVIDER_IDS) {
    const limits = limitsFromConfig(id, config.rate_limiting[id]);
    if (limits === undefined) continue;
    services[id] = { rateLimit: config.rate_limiting.enabled ? limits : false, circuitBreaker, retry, timeoutMs: config.resilience.attempt_timeout_seconds * MS };
  }
  return services;
}
