export { RateLimiter, type AcquireOptions, type ProviderRateLimitState, type RateLimiterStats } from './rate-limiter.js';
export { Lease, type CallOutcome, type Usage } from './lease.js';
export { AdaptiveConcurrency, ADAPTIVE_CONCURRENCY_DEFAULTS, type AdaptiveAlgorithm, type AdaptiveConcurrencyOptions, type AdaptiveConcurrencyStats, type SampleOutcome } from './adaptive-concurrency.js';
export type { LimitSource } from './limit-table.js';
export { LIMITER_DEFAULTS, type RateLimiterOptions } from './limiter-options.js';
export { MemoryLimiterStore } from './memory-store.js';
export type { LimiterStore, LimiterBackend, LimiterSpec, DimensionSpec } from './limiter-store.js';
export { RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
export { PRIORITIES, type Priority } from './priority.js';
export { isSharedStore, type AnyLimiterStore, type SharedAdmitReply, type SharedAdmitRequest, type SharedGrant, type SharedLimiterBackend, type SharedLimiterState, type SharedLimiterStore, type SharedStorePolicy, type StoreFailMode } from './shared-store.js';
export type { SharedStoreStatus, StoreMode } from './store-status.js';
export { SHARED_STORE_POLICY_DEFAULTS, type SharedStorePolicyOptions } from './shared-store-policy.js';
/** For tests and single-process fleet simulations: the shared store's semantics in memory, on an injected clock, with fault injection. */
export { MemorySharedStore, MEMORY_SHARED_STORE_DEFAULTS, type MemorySharedStoreOptions } from './memory-shared-store.js';
export type { MemorySharedBackend } from './memory-shared-backend.js';
export type { MemorySharedState } from './memory-shared-script.js';
