/** The Redis limiter store: shared, atomic admission for a fleet of processes. */
export { ADMISSION_SCRIPT, type ScriptOp } from './admission-script.js';
export type { RedisScriptClient } from './client.js';
export { DEFAULT_PREFIX, limiterKeys, type LimiterKeys } from './keys.js';
export { RedisLimiterBackend, type RedisAdmission, type RedisLimiterBackendOptions, type RedisLimiterState } from './redis-limiter-backend.js';
export { DEFAULT_STORE_TIMEOUT_MS, ScriptRunner, type ScriptRunnerOptions } from './script-runner.js';
export { StoreError, type StoreFailure } from './store-error.js';
