/**
 * Which providers to try, in which order: the preferred provider first, then the fallbacks;
 * providers whose circuit is open, whose quota is exhausted or whose limiter is paused (a provider's
 * retry-after) longer than a request may wait are skipped (with the reason kept);
 * among the fallbacks, the one whose limiter can admit soonest goes first.
 */
import { QuotaExceededError, RateLimitExceededError } from '../core/errors.js';
import type { Resilience } from '../policy/resilience.js';
import type { AcquireOptions } from '../limiter/rate-limiter.js';
import type { ProviderId } from '../providers/types.js';
import type { QuotaTracker } from './quota-tracker.js';

export interface Candidate {
  provider: ProviderId;
  model: string;
}

export interface RoutePlan {
  candidates: Candidate[];
  /** Providers left out, and why. */
  skipped: { provider: ProviderId; error: unknown }[];
}

export function planRoute(
  preferred: Candidate | undefined,
  fallbacks: readonly Candidate[],
  resilience: Resilience,
  quota: QuotaTracker,
  request: (candidate: Candidate) => AcquireOptions,
): RoutePlan {
  const skipped: RoutePlan['skipped'] = [];
  const seen = new Set<ProviderId>();
  const usable = (candidate: Candidate): boolean => {
    if (seen.has(candidate.provider)) return false;
    seen.add(candidate.provider);
    if (quota.isExhausted(candidate.provider)) {
      skipped.push({ provider: candidate.provider, error: new QuotaExceededError(candidate.provider, `skipped: out of quota, tried again in ${Math.ceil(quota.remainingMs(candidate.provider) / 1000)} s`) });
      return false;
    }
    const pipeline = resilience.pipeline(candidate.provider);
    const breaker = pipeline.breaker;
    const state = breaker?.state;
    if (breaker && (state === 'open' || state === 'isolated')) {
      skipped.push({ provider: candidate.provider, error: breaker.rejectionError() });
      return false;
    }
    // Paused by its retry-after (or held by its limits) for longer than a request may wait: like a
    // quota problem, skipped until then rather than tried and refused.
    // The limiter of the candidate's model, where the service is limited per model.
    const limiter = pipeline.limiters.existingLimiterFor(candidate.model);
    const paused = limiter?.pausedForMs ?? 0;
    if (limiter && paused > limiter.maxWaitMs) {
      skipped.push({ provider: candidate.provider, error: new RateLimitExceededError(candidate.provider, 'retryAfter', paused, 'paused', `skipped: paused by the provider's retry-after for ${Math.ceil(paused / 1000)} s`) });
      return false;
    }
    return true;
  };
  const first = preferred && usable(preferred) ? [preferred] : [];
  const rest = fallbacks.filter(usable);
  const waits = new Map(rest.map((c) => [c.provider, resilience.pipeline(c.provider).limiters.existingLimiterFor(c.model)?.estimateWaitMs(request(c)) ?? 0]));
  // Array.prototype.sort is stable: equal waits keep the configured order.
  rest.sort((a, b) => waits.get(a.provider)! - waits.get(b.provider)!);
  return { candidates: [...first, ...rest], skipped };
}

