/** The JSON the dashboard serves (`/snapshot`, and each `snapshot` event of the stream). */
import type { ServiceCountersSnapshot } from '../policy/service-counters.js';
import type { CircuitState, ResilienceEvent } from '../core/events.js';
import type { FailureKind } from '../core/failure-kinds.js';
import type { HealthState } from '../policy/health.js';

/** Everything the page shows, read at `at`. */
export interface DashboardSnapshot {
  /** Wall time of the reading, ms since the epoch. */
  at: number;
  /** How often the stream sends a snapshot. */
  intervalMs: number;
  status: HealthState;
  issues: string[];
  servicesAvailable: string[];
  services: ServiceView[];
  /** Newest first, at most the handler's `recentLimit`. */
  recentErrors: RecentError[];
  recentTransitions: RecentTransition[];
}

export interface ServiceView {
  name: string;
  available: boolean;
  issues: string[];
  breaker: BreakerView | null;
  limiter: LimiterView | null;
  /** A service limited per model (`rateLimit.perModel`): each model's limiter, in the order of their first call. */
  modelLimiters: ModelLimiterView[];
  counters: CountersView;
  /** Out of quota: ms until the provider is tried again (a UnifiedLLMClient only). */
  quotaExhaustedForMs: number | null;
}

export interface BreakerView {
  state: CircuitState;
  failureCount: number;
  consecutiveFailures: number;
  /** While open: ms until probes are let through. */
  nextProbeInMs: number | null;
  openMs: number;
  trips: number;
  rejected: number;
  transitions: number;
}

/** One configured rate dimension: what the bucket holds now against its limit. */
export interface DimensionView {
  name: string;
  label: string;
  /** Units available now; null while unknown (a shared store that has not answered). */
  remaining: number | null;
  limit: number;
}

export interface LimiterView {
  dimensions: DimensionView[];
  concurrentRequests: number;
  maxConcurrent: number | null;
  queued: number;
  queuedByPriority: { high: number; normal: number; low: number };
  pausedForMs: number;
  requestsLastMinute: number;
  tokensLastMinute: number;
  admitted: number;
  rejected: number;
}

/** One model's limiter of a service limited per model. */
export interface ModelLimiterView {
  model: string;
  limiter: LimiterView;
}

export type CountersView = Pick<ServiceCountersSnapshot, 'requests' | 'succeeded' | 'failed' | 'attempts' | 'retries' | 'rejectedByBreaker' | 'rejectedByLimiter'>;

export interface RecentError {
  at: number;
  service: string;
  event: ResilienceEvent['type'];
  /** The failure kind; `limiter_rejected` for our own limiter's refusals, `store_unavailable` for a shared store. */
  kind: FailureKind | 'limiter_rejected' | 'store_unavailable';
  attempt?: number;
  /** Masked: no key, credential or password leaves. */
  message: string;
}

export interface RecentTransition {
  at: number;
  service: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
  failures: number;
}
