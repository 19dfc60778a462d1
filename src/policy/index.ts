export { createResilience, Resilience, type ResilienceOptions, type ResilienceStats } from './resilience.js';
export { Pipeline, type ExecuteOptions } from './pipeline.js';
export type { AttemptContext } from './attempt-context.js';
export type { ServiceOptions, ServiceRateLimitOptions, ServiceRetryOptions } from './service-options.js';
export { MAX_MODEL_LIMITERS } from './model-limiters.js';
export type { ServiceLimiters } from './service-limiters.js';
export type { HealthStatus, HealthState, ServiceHealth } from './health.js';
export type { ServiceCountersSnapshot } from './service-counters.js';
export {
  configureResilience,
  getAllCircuitBreakerStats,
  getAllRateLimitStats,
  getDefaultResilience,
  getHealthStatus,
  RateLimited,
  rateLimited,
  resetCircuitBreaker,
  resetRateLimiter,
  type RateLimitedOptions,
} from './default-registry.js';
export { combineInstrumentations, type AttemptObserver, type CallInstrumentation, type CallObserver } from './instrumentation.js';
