/** Resolving a service's `circuitBreaker.shared` option against the Resilience's shared store. */
import type { SharedBreakerState } from '../breaker/shared-breaker-state.js';
import { ConfigError } from '../core/errors.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import type { ServiceBreakerOptions } from './service-options.js';

/** The SharedBreakerState to give the breaker, or undefined for a local one. */
export function sharedBreakerStateOf(service: string, options: ServiceBreakerOptions | undefined, store: AnyLimiterStore | undefined): SharedBreakerState | undefined {
  const shared = options?.shared;
  if (shared === undefined || shared === false) return undefined;
  if (shared !== true) return shared;
  const source = store as { breakerState?: (service: string) => unknown } | undefined;
  if (typeof source?.breakerState !== 'function') {
    throw new ConfigError(`services.${service}.circuitBreaker.shared`, shared, "a shared store that keeps breaker state (store: redisStore(...)), or a SharedBreakerState");
  }
  return source.breakerState(service) as SharedBreakerState;
}
