export { RateLimiter, type AcquireOptions, type ProviderRateLimitState, type RateLimiterStats } from './rate-limiter.js';
export { Lease, type Usage } from './lease.js';
export { LIMITER_DEFAULTS, type RateLimiterOptions } from './limiter-options.js';
export { MemoryLimiterStore } from './memory-store.js';
export type { LimiterStore, LimiterBackend, LimiterSpec, DimensionSpec } from './limiter-store.js';
export { RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
export { PRIORITIES, type Priority } from './priority.js';
export { isSharedStore, type AnyLimiterStore, type SharedAdmitReply, type SharedAdmitRequest, type SharedGrant, type SharedLimiterBackend, type SharedLimiterState, type SharedLimiterStore, type SharedStorePolicy, type StoreFailMode } from './shared-store.js';
export type { SharedStoreStatus, StoreMode } from './shared-admission.js';
