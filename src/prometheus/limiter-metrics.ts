/**
 * Rate limiter metrics, at scrape time: admissions, rejections and time spent waiting (lifetime
 * totals), and the live view: queue, concurrency, the last minute's use, what is left of each limit.
 * The distribution of waits is `limiter_wait_seconds` (a histogram fed per admission, see
 * wait-histogram.ts); the totals here cover the time before the collector was attached too.
 * A service limited per model (`rateLimit.perModel`) has one series per model, labelled `model`,
 * beside the service's own limiter (no `model` label).
 */
import { RATE_DIMENSIONS, type RateDimension } from '../limiter/dimensions.js';
import type { RateLimiterStats } from '../limiter/rate-limiter.js';
import { limiterOwner } from '../policy/model-limiters.js';
import type { Emit, MetricSet } from './metric-set.js';
import type { SourceSnapshot } from './source.js';

/** The stats field holding each dimension's configured limit. */
const LIMIT_FIELD: Readonly<Record<RateDimension, keyof RateLimiterStats>> = {
  requestsPerMinute: 'maxRequestsPerMinute',
  tokensPerMinute: 'maxTokensPerMinute',
  inputTokensPerMinute: 'maxInputTokensPerMinute',
  outputTokensPerMinute: 'maxOutputTokensPerMinute',
  requestsPerDay: 'maxRequestsPerDay',
  tokensPerDay: 'maxTokensPerDay',
};

type LimiterLabels = { service: string; model?: string };

/** Every limiter of the snapshot with its labels: its service, and its model when it is one model's. */
function* limiters(snapshot: SourceSnapshot): Generator<[LimiterLabels, RateLimiterStats]> {
  for (const [key, stats] of Object.entries(snapshot.stats.rateLimiters)) yield [limiterOwner(key, stats), stats];
}

export function registerLimiterMetrics(metrics: MetricSet): void {
  /** One sample per limiter, labelled by its service (and model). */
  const perLimiter = (read: (stats: RateLimiterStats) => number) => (snapshot: SourceSnapshot, emit: Emit<'service' | 'model'>) => {
    for (const [labels, stats] of limiters(snapshot)) emit(labels, read(stats));
  };

  metrics.scrapedCounter('limiter_admitted_total', 'Requests the rate limiter admitted.', ['service', 'model'], perLimiter((s) => s.admitted));
  metrics.scrapedCounter('limiter_rejected_total', 'Requests the rate limiter refused, by reason (timeout, queue_full, never_fits, paused).', ['service', 'model', 'reason'], (snapshot, emit) => {
    for (const [labels, stats] of limiters(snapshot)) {
      for (const [reason, count] of Object.entries(stats.rejectedByReason)) emit({ ...labels, reason }, count);
    }
  });
  metrics.scrapedCounter('limiter_tokens_admitted_total', 'Estimated tokens charged at admission.', ['service', 'model'], perLimiter((s) => s.tokensAdmitted));
  metrics.scrapedCounter('limiter_tokens_refunded_total', 'Tokens given back when a call used less than its estimate (reconciliation).', ['service', 'model'], perLimiter((s) => s.tokensRefunded));
  metrics.scrapedCounter('limiter_tokens_debited_total', 'Tokens charged when a call used more than its estimate (reconciliation).', ['service', 'model'], perLimiter((s) => s.tokensDebited));
  metrics.scrapedCounter('limiter_waited_total', 'Requests admitted after waiting.', ['service', 'model'], perLimiter((s) => s.waited));
  metrics.scrapedCounter('limiter_wait_seconds_total', 'Time requests spent waiting for admission, summed.', ['service', 'model'], perLimiter((s) => s.totalWaitMs / 1000));

  metrics.scrapedGauge('limiter_queued_requests', 'Requests waiting for admission now, by priority.', ['service', 'model', 'priority'], (snapshot, emit) => {
    for (const [labels, stats] of limiters(snapshot)) {
      for (const [priority, count] of Object.entries(stats.queuedByPriority)) emit({ ...labels, priority }, count);
    }
  });
  metrics.scrapedGauge('limiter_in_flight_requests', 'Admitted requests not yet released (concurrency in use).', ['service', 'model'], perLimiter((s) => s.concurrentRequests));
  metrics.scrapedGauge('limiter_max_concurrent', 'The concurrency limit, for services that have one.', ['service', 'model'], (snapshot, emit) => {
    for (const [labels, stats] of limiters(snapshot)) if (stats.maxConcurrent !== null) emit(labels, stats.maxConcurrent);
  });
  metrics.scrapedGauge('limiter_requests_last_minute', 'Requests admitted in the last minute.', ['service', 'model'], perLimiter((s) => s.requestsLastMinute));
  metrics.scrapedGauge('limiter_tokens_last_minute', 'Tokens admitted in the last minute: the estimate charged at admission, reconciled to the reported usage.', ['service', 'model'], perLimiter((s) => s.tokensLastMinute));
  metrics.scrapedGauge('limiter_remaining', 'What each limit has left now (requests or tokens, as the dimension says).', ['service', 'model', 'dimension'], (snapshot, emit) => {
    for (const [labels, stats] of limiters(snapshot)) {
      for (const [dimension, remaining] of Object.entries(stats.remaining)) if (Number.isFinite(remaining)) emit({ ...labels, dimension }, remaining);
    }
  });
  metrics.scrapedGauge('limiter_limit', 'Each configured limit (requests or tokens per minute or per day, as the dimension says).', ['service', 'model', 'dimension'], (snapshot, emit) => {
    for (const [labels, stats] of limiters(snapshot)) {
      for (const dimension of RATE_DIMENSIONS) {
        const limit = stats[LIMIT_FIELD[dimension]];
        if (typeof limit === 'number') emit({ ...labels, dimension }, limit);
      }
    }
  });
  metrics.scrapedGauge('limiter_paused_seconds', 'Time left of a provider\'s retry-after pause (0 when not paused).', ['service', 'model'], perLimiter((s) => s.pausedForMs / 1000));
}
