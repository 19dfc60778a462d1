/** A limiter's stats: its limits and where they came from, its queue, its counters, its store. */
import type { AdaptiveConcurrencyStats } from './adaptive-concurrency.js';
import type { Admission } from './admission.js';
import type { ChargeRule } from './charge-learner.js';
import type { RateDimension } from './dimensions.js';
import type { LimitTable } from './limit-table.js';
import type { LimiterMeter } from './limiter-meter.js';
import type { RateLimiterStats } from './limiter-types.js';
import type { RequestQueue } from './queued-request.js';

export interface StatsParts {
  readonly name: string;
  readonly table: LimitTable;
  readonly admission: Admission;
  readonly queue: RequestQueue;
  readonly meter: LimiterMeter;
  readonly maxConcurrent: number;
  readonly chargeRule: ChargeRule;
}

export function limiterStats(parts: StatsParts, learned: { adaptive: AdaptiveConcurrencyStats | undefined; carefulConcurrency: number }, now: number): RateLimiterStats {
  const { table, admission, queue, meter } = parts;
  const remaining: Partial<Record<RateDimension, number>> = {};
  for (const d of table.dimensions) remaining[d.name] = Math.floor(admission.level(d.index, now));
  const configured = (index: number): number | null => (Number.isFinite(table.limit[index]!) ? table.limit[index]! : null);
  const store = admission.status();
  return {
    name: parts.name,
    requestsLastMinute: meter.requestsLastMinute(now),
    tokensLastMinute: Math.round(meter.tokensLastMinute(now)),
    concurrentRequests: admission.inFlight,
    queued: queue.size,
    queuedByPriority: { high: queue.countOf(0), normal: queue.countOf(1), low: queue.countOf(2) },
    maxRequestsPerMinute: configured(0),
    maxTokensPerMinute: configured(1),
    maxInputTokensPerMinute: configured(2),
    maxOutputTokensPerMinute: configured(3),
    maxRequestsPerDay: configured(4),
    maxTokensPerDay: configured(5),
    maxConcurrent: Number.isFinite(parts.maxConcurrent) ? parts.maxConcurrent : null,
    limitSources: table.sources(),
    ...(learned.adaptive ? { adaptiveConcurrency: learned.adaptive } : {}),
    chargeRule: parts.chargeRule,
    providerLeadMs: admission.providerLeadMs(now),
    ...(learned.carefulConcurrency !== Infinity ? { carefulConcurrency: learned.carefulConcurrency } : {}),
    remaining,
    pausedForMs: admission.pausedForMs(now),
    ...meter.counters,
    rejectedByReason: { ...meter.rejectedByReason },
    expiredLeases: admission.expiredLeases,
    ...(store ? { store } : {}),
  };
}
