/**
 * Builds the dashboard's snapshot: one reading of the source's stats and health per call, joined
 * with the recent errors and transitions, every string masked before it leaves.
 */
import type { Clock } from '../core/clock.js';
import type { Disposable } from '../core/events.js';
import { redactValue } from '../core/redact.js';
import type { CircuitBreakerStats } from '../breaker/breaker-stats.js';
import type { RateLimiterStats } from '../limiter/rate-limiter.js';
import { limiterOwner } from '../policy/model-limiters.js';
import type { ServiceCountersSnapshot } from '../policy/service-counters.js';
import { RecentEvents } from './recent-events.js';
import type { BreakerView, CountersView, DashboardSnapshot, DimensionView, LimiterView, ModelLimiterView } from './snapshot-types.js';
import { type DashboardSource, readSource } from './source.js';

/** Each rate dimension's limit field in the limiter's stats, and how the page labels it. */
const DIMENSIONS = [
  ['requestsPerMinute', 'maxRequestsPerMinute', 'requests/min'],
  ['tokensPerMinute', 'maxTokensPerMinute', 'tokens/min'],
  ['inputTokensPerMinute', 'maxInputTokensPerMinute', 'input tokens/min'],
  ['outputTokensPerMinute', 'maxOutputTokensPerMinute', 'output tokens/min'],
  ['requestsPerDay', 'maxRequestsPerDay', 'requests/day'],
  ['tokensPerDay', 'maxTokensPerDay', 'tokens/day'],
] as const;

export interface SnapshotFeedOptions {
  clock: Clock;
  intervalMs: number;
  recentLimit: number;
}

export class SnapshotFeed implements Disposable {
  private readonly recent: RecentEvents;

  constructor(
    private readonly source: DashboardSource,
    private readonly options: SnapshotFeedOptions,
  ) {
    this.recent = new RecentEvents(source.events, options.recentLimit);
  }

  /** Throws what the source throws: the caller answers without quoting it (it could quote anything). */
  snapshot(): DashboardSnapshot {
    const { stats, health } = readSource(this.source);
    const names = [...new Set([...Object.keys(stats.services), ...Object.keys(health.services)])];
    const modelLimiters = modelLimitersByService(stats.rateLimiters);
    const snapshot: DashboardSnapshot = {
      at: this.options.clock.wallTime(),
      intervalMs: this.options.intervalMs,
      status: health.status,
      issues: health.issues,
      servicesAvailable: health.servicesAvailable,
      services: names.map((name) => {
        const serviceHealth = health.services[name];
        const quota = stats.quotaExhausted?.[name];
        return {
          name,
          available: serviceHealth?.available ?? true,
          issues: serviceHealth?.issues ?? [],
          breaker: breakerView(stats.circuitBreakers[name]),
          limiter: limiterView(stats.rateLimiters[name]),
          modelLimiters: modelLimiters.get(name) ?? [],
          counters: countersView(stats.services[name]),
          quotaExhaustedForMs: quota ?? null,
        };
      }),
      recentErrors: this.recent.recentErrors(),
      recentTransitions: this.recent.recentTransitions(),
    };
    // Messages were masked as they were captured; this pass covers names and health issues too.
    return redactValue(snapshot) as DashboardSnapshot;
  }

  /** Stops listening to the source's events. */
  dispose(): void {
    this.recent.dispose();
  }
}

function breakerView(stats: CircuitBreakerStats | undefined): BreakerView | null {
  if (!stats) return null;
  return {
    state: stats.state,
    failureCount: stats.failureCount,
    consecutiveFailures: stats.consecutiveFailures,
    nextProbeInMs: stats.nextProbeInMs,
    openMs: stats.openMs,
    trips: stats.trips,
    rejected: stats.rejected,
    transitions: stats.transitions,
  };
}

/** The per-model limiters of the stats, by service. */
function modelLimitersByService(rateLimiters: Record<string, RateLimiterStats>): Map<string, ModelLimiterView[]> {
  const byService = new Map<string, ModelLimiterView[]>();
  for (const [key, stats] of Object.entries(rateLimiters)) {
    const { service, model } = limiterOwner(key, stats);
    if (model === undefined) continue;
    const views = byService.get(service) ?? [];
    views.push({ model, limiter: limiterView(stats)! });
    byService.set(service, views);
  }
  return byService;
}

function limiterView(stats: RateLimiterStats | undefined): LimiterView | null {
  if (!stats) return null;
  const dimensions: DimensionView[] = [];
  for (const [name, limitField, label] of DIMENSIONS) {
    const limit = stats[limitField];
    if (limit === null) continue;
    const remaining = stats.remaining[name];
    // NaN while a shared store has not answered: unknown, not empty.
    dimensions.push({ name, label, remaining: remaining !== undefined && Number.isFinite(remaining) ? remaining : null, limit });
  }
  return {
    dimensions,
    concurrentRequests: stats.concurrentRequests,
    maxConcurrent: stats.maxConcurrent,
    queued: stats.queued,
    queuedByPriority: { ...stats.queuedByPriority },
    pausedForMs: stats.pausedForMs,
    requestsLastMinute: stats.requestsLastMinute,
    tokensLastMinute: stats.tokensLastMinute,
    admitted: stats.admitted,
    rejected: stats.rejected,
  };
}

function countersView(counters: ServiceCountersSnapshot | undefined): CountersView {
  return {
    requests: counters?.requests ?? 0,
    succeeded: counters?.succeeded ?? 0,
    failed: counters?.failed ?? 0,
    attempts: counters?.attempts ?? 0,
    retries: counters?.retries ?? 0,
    rejectedByBreaker: counters?.rejectedByBreaker ?? 0,
    rejectedByLimiter: counters?.rejectedByLimiter ?? 0,
  };
}
