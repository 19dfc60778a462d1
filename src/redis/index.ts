/** `llm-resilience/redis`: limits shared by a fleet of processes through Redis. */
export { redisStore, REDIS_STORE_DEFAULTS, type RedisStore, type RedisStoreOptions } from './redis-store.js';
export type { RedisScriptClient } from './client.js';
export { ADMISSION_SCRIPT, type ScriptOp } from './admission-script.js';
export { DEFAULT_PREFIX, limiterKeys, type LimiterKeys } from './keys.js';
export { RedisLimiterBackend, type RedisAdmission, type RedisLimiterBackendOptions, type RedisLimiterState } from './redis-limiter-backend.js';
export { DEFAULT_STORE_TIMEOUT_MS, ScriptRunner, type ScriptRunnerOptions } from './script-runner.js';
export { StoreError, type StoreFailure } from './store-error.js';
export { RedisBreakerState, redisBreakerStates, type RedisBreakerStateOptions } from './breaker-state.js';
export { BREAKER_SCRIPT, type BreakerScriptOp } from './breaker-script.js';
export { breakerKeys, type BreakerKeys } from './breaker-keys.js';
export { redisStoreFromConfig, type ConfiguredRedisStore } from './redis-from-config.js';
