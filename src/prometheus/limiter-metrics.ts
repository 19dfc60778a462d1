/**
 * Rate limiter metrics, at scrape time: admissions, rejections and time spent waiting (lifetime
 * totals), and the live view: queue, concurrency, the last minute's use, what is left of each limit.
 * The distribution of waits is `limiter_wait_seconds` (a histogram fed per admission, see
 * wait-histogram.ts); the totals here cover the time before the collector was attached too.
 */
import { RATE_DIMENSIONS, type RateDimension } from '../limiter/dimensions.js';
import type { RateLimiterStats } from '../limiter/rate-limiter.js';
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

export function registerLimiterMetrics(metrics: MetricSet): void {
  /** One sample per limiter, labelled by its service. */
  const perLimiter = (read: (stats: RateLimiterStats) => number) => (snapshot: SourceSnapshot, emit: Emit<'service'>) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) emit({ service }, read(stats));
  };

  metrics.scrapedCounter('limiter_admitted_total', 'Requests the rate limiter admitted.', ['service'], perLimiter((s) => s.admitted));
  metrics.scrapedCounter('limiter_rejected_total', 'Requests the rate limiter refused, by reason (timeout, queue_full, never_fits, paused).', ['service', 'reason'], (snapshot, emit) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) {
      for (const [reason, count] of Object.entries(stats.rejectedByReason)) emit({ service, reason }, count);
    }
  });
  metrics.scrapedCounter('limiter_tokens_admitted_total', 'Estimated tokens charged at admission.', ['service'], perLimiter((s) => s.tokensAdmitted));
  metrics.scrapedCounter('limiter_tokens_refunded_total', 'Tokens given back when a call used less than its estimate (reconciliation).', ['service'], perLimiter((s) => s.tokensRefunded));
  metrics.scrapedCounter('limiter_tokens_debited_total', 'Tokens charged when a call used more than its estimate (reconciliation).', ['service'], perLimiter((s) => s.tokensDebited));
  metrics.scrapedCounter('limiter_waited_total', 'Requests admitted after waiting.', ['service'], perLimiter((s) => s.waited));
  metrics.scrapedCounter('limiter_wait_seconds_total', 'Time requests spent waiting for admission, summed.', ['service'], perLimiter((s) => s.totalWaitMs / 1000));

  metrics.scrapedGauge('limiter_queued_requests', 'Requests waiting for admission now, by priority.', ['service', 'priority'], (snapshot, emit) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) {
      for (const [priority, count] of Object.entries(stats.queuedByPriority)) emit({ service, priority }, count);
    }
  });
  metrics.scrapedGauge('limiter_in_flight_requests', 'Admitted requests not yet released (concurrency in use).', ['service'], perLimiter((s) => s.concurrentRequests));
  metrics.scrapedGauge('limiter_max_concurrent', 'The concurrency limit, for services that have one.', ['service'], (snapshot, emit) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) if (stats.maxConcurrent !== null) emit({ service }, stats.maxConcurrent);
  });
  metrics.scrapedGauge('limiter_requests_last_minute', 'Requests admitted in the last minute.', ['service'], perLimiter((s) => s.requestsLastMinute));
  metrics.scrapedGauge('limiter_tokens_last_minute', 'Tokens admitted in the last minute: the estimate charged at admission, reconciled to the reported usage.', ['service'], perLimiter((s) => s.tokensLastMinute));
  metrics.scrapedGauge('limiter_remaining', 'What each limit has left now (requests or tokens, as the dimension says).', ['service', 'dimension'], (snapshot, emit) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) {
      for (const [dimension, remaining] of Object.entries(stats.remaining)) if (Number.isFinite(remaining)) emit({ service, dimension }, remaining);
    }
  });
  metrics.scrapedGauge('limiter_limit', 'Each configured limit (requests or tokens per minute or per day, as the dimension says).', ['service', 'dimension'], (snapshot, emit) => {
    for (const [service, stats] of Object.entries(snapshot.stats.rateLimiters)) {
      for (const dimension of RATE_DIMENSIONS) {
        const limit = stats[LIMIT_FIELD[dimension]];
        if (typeof limit === 'number') emit({ service, dimension }, limit);
      }
    }
  });
  metrics.scrapedGauge('limiter_paused_seconds', 'Time left of a provider\'s retry-after pause (0 when not paused).', ['service'], perLimiter((s) => s.pausedForMs / 1000));
}
