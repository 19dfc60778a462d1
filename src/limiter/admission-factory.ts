/** Which admission a limiter's options ask for: this process's buckets, or a shared store behind its failover. */
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { Admission } from './admission.js';
import { FailoverAdmission } from './failover-admission.js';
import { LimitTable } from './limit-table.js';
import { type ResolvedLimiterOptions, type RateLimiterOptions, resolveLimiterOptions } from './limiter-options.js';
import { LocalAdmission } from './local-admission.js';
import { localShareOptions } from './local-share.js';
import { MemoryLimiterStore } from './memory-store.js';
import { isSharedStore } from './shared-store.js';

export interface AdmissionContext {
  readonly name: string;
  readonly clock: Clock;
  readonly events: EventChannel<ResilienceEvent>;
  /** Room was freed outside a call of the queue (a shared store answered): the queue may move. */
  readonly wake: () => void;
}

export function createAdmission(options: RateLimiterOptions, resolved: ResolvedLimiterOptions, table: LimitTable, context: AdmissionContext): Admission {
  const store = options.store ?? new MemoryLimiterStore();
  const key = options.key ?? resolved.name;
  const localOf = (backendStore: { open: MemoryLimiterStore['open'] }, limits: ResolvedLimiterOptions, limitTable: LimitTable): LocalAdmission =>
    new LocalAdmission(backendStore.open(key, limits.spec), limitTable, { ...limits, providerDelayMs: limits.spec.providerDelayMs, learnProviderDelay: limits.spec.learnProviderDelay === true });
  if (!isSharedStore(store)) return localOf(store, resolved, table);
  if (resolved.spec.calendar) {
    // The store's buckets refill continuously: more than a calendar day gives back, so not silently.
    throw new ConfigError('rateLimit.dailyReset', options.dailyReset, "'continuous' with a shared store (calendar days are counted in this process's buckets only)");
  }
  // While the store is down: this process's share of the limits, in buckets of its own.
  const createLocal = (share: number): LocalAdmission => {
    const local = resolveLimiterOptions(localShareOptions(options, table.dimensions, resolved.spec.maxConcurrent, share));
    return localOf(new MemoryLimiterStore(), local, new LimitTable(local.spec.dimensions, local.sources));
  };
  return new FailoverAdmission({ ...context, createLocal }, store.openShared(key, resolved.spec), resolved.spec, store.policy);
}
