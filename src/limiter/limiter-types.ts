/** The shapes the rate limiter takes and gives: what a request asks, what a provider says, what stats show. */
import type { RateLimitRejection } from '../core/errors.js';
import type { RateDimension } from './dimensions.js';
import type { AdaptiveConcurrencyStats } from './adaptive-concurrency.js';
import type { ChargeRule } from './charge-learner.js';
import type { LimitSource } from './limit-table.js';
import type { Priority } from './priority.js';
import type { SharedStoreStatus } from './store-status.js';

export interface AcquireOptions {
  /** Estimated total tokens (input + output reservation). Default 0. */
  tokens?: number;
  /** Estimated input tokens, for input-token limits. Default: `tokens` minus `outputTokens`. */
  inputTokens?: number;
  /** Reserved output tokens, for output-token limits. Default 0. */
  outputTokens?: number;
  /** Default 'normal'. 'critical' is never held (but is counted). */
  priority?: Priority;
  /** Aborting removes the waiter at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the limiter's maxWaitMs for this request. */
  maxWaitMs?: number;
  /** Carried into events and logs. */
  requestId?: string;
  /**
   * When this request first asked for admission, on the limiter's clock (default: now). A retry
   * passes its first arrival so it keeps its place ahead of newer requests of its priority.
   */
  queuedSince?: number;
}

/** What the provider's rate-limit headers say (all optional). */
export interface ProviderRateLimitState {
  remainingRequests?: number;
  remainingTokens?: number;
  remainingInputTokens?: number;
  remainingOutputTokens?: number;
  limitRequests?: number;
  limitTokens?: number;
  limitInputTokens?: number;
  limitOutputTokens?: number;
  /** Time until the provider's request bucket is full again. Used when `remainingRequests` is absent. */
  resetRequestsMs?: number;
  resetTokensMs?: number;
  /** The provider asks every caller to wait this long (a 429's retry-after): pauses admission for all. */
  retryAfterMs?: number;
}

export interface RateLimiterStats {
  name: string;
  /** The model of a pipeline's per-model limiter (`rateLimit.perModel`), whose name is `<service>/<model>`. */
  model?: string;
  requestsLastMinute: number;
  tokensLastMinute: number;
  concurrentRequests: number;
  queued: number;
  queuedByPriority: { high: number; normal: number; low: number };
  maxRequestsPerMinute: number | null;
  maxTokensPerMinute: number | null;
  maxInputTokensPerMinute: number | null;
  maxOutputTokensPerMinute: number | null;
  maxRequestsPerDay: number | null;
  maxTokensPerDay: number | null;
  maxConcurrent: number | null;
  /** Where each enforced limit came from: configured (a ceiling), initial (a guess the headers replace), provider (learned). */
  limitSources: Partial<Record<RateDimension, LimitSource>>;
  /** How the provider charges tokens per minute at admission, as learned from its headers (the sum until they show less). */
  chargeRule: ChargeRule;
  /**
   * How long our requests may take to reach the provider, as a figure is raised on now: the
   * configured `providerDelayMs`, or longer at the start and after a 429 (`learnProviderDelay`).
   */
  providerLeadMs: number;
  /** The concurrency learned from latency, when in use (providers without rate-limit headers). */
  adaptiveConcurrency?: AdaptiveConcurrencyStats;
  /** While the careful phase lasts (no response seen yet): the concurrency allowed. */
  carefulConcurrency?: number;
  /** Units available now per configured dimension. */
  remaining: Partial<Record<RateDimension, number>>;
  /** Milliseconds admission stays paused by a provider's retry-after (0 when not paused). */
  pausedForMs: number;
  admitted: number;
  rejected: number;
  rejectedByReason: Record<RateLimitRejection, number>;
  /** Estimated tokens charged at admission, ever. */
  tokensAdmitted: number;
  /** Tokens given back by reconciliation (the call used less than its estimate), ever. */
  tokensRefunded: number;
  /** Tokens charged by reconciliation (the call used more than its estimate), ever. */
  tokensDebited: number;
  /** Requests that had to wait, and their total wait. */
  waited: number;
  totalWaitMs: number;
  expiredLeases: number;
  /** With a shared store (Redis): whether it answers, and what stands in when it does not. */
  store?: SharedStoreStatus;
}
