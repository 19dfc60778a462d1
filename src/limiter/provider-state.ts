/**
 * Following the provider's own rate-limit headers (DESIGN.md, "Token accounting follows the
 * provider"): the one place that answers "what does a response's headers do to the limiter".
 *
 * Limits: a configured limit is an upper bound the headers may lower (and raise back up to);
 * an initial (built-in) limit is replaced by the header's either way; a dimension nobody
 * configured is added when the header names its limit (learning, on by default).
 *
 * Remaining budget: the provider computed it when it admitted the request whose response carries
 * it, so it lacks what we admitted after that request (still on its way). Any of our requests
 * admitted later than the provider delay (provider-lead.ts) before it may have reached the provider after its figure
 * was taken: all of them are subtracted, and the provider's refill since is not added (we cannot
 * know when exactly the figure was taken). What is left is a level the provider's bucket holds
 * at least; our view moves to it in both directions. So a provider charging less than we
 * reserved (max-of, input only, cached input) gives the difference back, and one charging more
 * (or another client on the key) lowers us. Without the request's admission (a bare
 * `applyProviderState` call) the figure is taken as fresh and may only lower our view.
 */
import { dimensionCost, DIMENSION_PERIOD_MS, RATE_DIMENSIONS } from './dimensions.js';
import type { ChargeLearner } from './charge-learner.js';
import type { Lease } from './lease.js';
import type { LimitTable } from './limit-table.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import type { TransitLog } from './transit-log.js';

/** The pause a state asks for (a usable retry-after), or undefined. */
export function pauseMsOf(state: ProviderRateLimitState): number | undefined {
  const ms = state.retryAfterMs;
  return ms !== undefined && ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** True when a provider state carries a limit or remaining figure (not only a retry-after). */
export function hasFigures(state: ProviderRateLimitState): boolean {
  return (
    state.remainingRequests !== undefined ||
    state.remainingTokens !== undefined ||
    state.remainingInputTokens !== undefined ||
    state.remainingOutputTokens !== undefined ||
    state.limitRequests !== undefined ||
    state.limitTokens !== undefined ||
    state.limitInputTokens !== undefined ||
    state.limitOutputTokens !== undefined
  );
}

/** What the follower changes: the limiter's buckets. */
export interface FollowedBuckets {
  level(dimension: number, now: number): number;
  setLevel(dimension: number, units: number, now: number): void;
  setLimit(dimension: number, limit: number, burst: number, now: number): void;
  /** Total units ever charged by admissions in a dimension (reconciliations aside). */
  charged(dimension: number): number;
}

export interface FollowerOptions {
  /** Add dimensions the provider names and nobody configured. */
  readonly learnLimits: boolean;
  /** Burst of a learned per-minute dimension, in seconds of its rate (60: a minute's worth). */
  readonly learnedBurstSeconds: number;
  /** How long our requests may take to reach the provider: learned (`ms`) and configured (`floorMs`; provider-lead.ts). */
  readonly lead: { readonly ms: number; readonly floorMs: number };
}

/** Headers' figures beyond this are nonsense (`1e309`, overflowed counters): ignored. */
const MAX_FIGURE = 1e12;
/** Tokens or requests of difference not worth moving the bucket for (header rounding). */
const SLACK_UNITS = 1;

/** A usable header figure: finite, at least `min`, not absurd. */
export const valid = (n: number | undefined, min: number): n is number => n !== undefined && Number.isFinite(n) && n >= min && n <= MAX_FIGURE;

/** One family of a response's figures (requests, tokens, input tokens, output tokens). */
export interface Family {
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  readonly resetMs: number | undefined;
  /** The dimension the family describes, and the per-day one used when only that is enforced. */
  readonly index: number;
  readonly dayIndex: number;
  /** Whether the family may add its dimension when nobody configured it. */
  readonly learnable: boolean;
}

/** The figure families of a response's rate-limit state. */
export function familiesOf(state: ProviderRateLimitState): Family[] {
  // Anthropic's combined tokens-* figure is its most restrictive token limit, not a bucket of its own.
  const split = state.limitInputTokens !== undefined || state.limitOutputTokens !== undefined;
  return [
    { limit: state.limitRequests, remaining: state.remainingRequests, resetMs: state.resetRequestsMs, index: 0, dayIndex: 4, learnable: true },
    { limit: state.limitTokens, remaining: state.remainingTokens, resetMs: state.resetTokensMs, index: 1, dayIndex: 5, learnable: !split },
    { limit: state.limitInputTokens, remaining: state.remainingInputTokens, resetMs: undefined, index: 2, dayIndex: -1, learnable: true },
    { limit: state.limitOutputTokens, remaining: state.remainingOutputTokens, resetMs: undefined, index: 3, dayIndex: -1, learnable: true },
  ];
}

export class ProviderFollower {
  /**
   * When the provider's figures last set our level, per dimension. The figure holds what the
   * provider really charged every request it had admitted: a reconciliation refund of a request
   * admitted before would count the difference twice (see RateLimiter's reconcile).
   */
  readonly syncedAt = new Float64Array(RATE_DIMENSIONS.length).fill(-Infinity);
  /** Learns the provider's token charge rule from the token figures; set by the limiter once it follows headers. */
  chargeLearner: ChargeLearner | undefined = undefined;
  /** A figure's two readings, as the last {@link read} left them. */
  private high = NaN;
  private low = NaN;

  constructor(
    private readonly buckets: FollowedBuckets,
    private readonly table: LimitTable,
    /** What we admitted within the lead; set later by a limiter that starts it at its first figures. */
    public transit: TransitLog | undefined,
    private readonly options: FollowerOptions,
  ) {}

  /**
   * Applies the limits and remaining budgets of `state` (retry-after is the limiter's business).
   * `lease`: the admission of the request whose response carried the headers. Returns true when
   * a limit changed.
   */
  apply(state: ProviderRateLimitState, now: number, lease?: Lease): boolean {
    let changed = false;
    for (const family of familiesOf(state)) {
      const index = this.dimensionOf(family);
      if (index < 0) continue;
      // A dimension learned just now has no accounting of ours yet (what taught it was admitted
      // before it existed): the provider's figure is all there is, to the last unit.
      const learned = !this.table.has(index);
      if (valid(family.limit, Number.MIN_VALUE) && index === family.index) changed = this.followLimit(index, family.limit, now) || changed;
      if (index === family.index) changed = this.followBurst(index, family, now) || changed;
      this.followRemaining(index, family, now, lease, learned);
      if (index === 1 && lease && this.chargeLearner && valid(family.remaining, 0) && valid(family.limit, Number.MIN_VALUE)) {
        // The provider's own rate and bucket: ours may be told wrong.
        this.chargeLearner.observe(lease, family.remaining, family.limit / DIMENSION_PERIOD_MS.tokensPerMinute, Math.min(family.limit, this.table.burst[1]!), now);
      }
    }
    return changed;
  }

  /** Which enforced dimension a family corrects (-1: none, and it may not add one). */
  private dimensionOf(family: Family): number {
    if (this.table.has(family.index)) return family.index;
    if (this.options.learnLimits && family.learnable && valid(family.limit, Number.MIN_VALUE)) return family.index;
    return family.dayIndex >= 0 && this.table.has(family.dayIndex) ? family.dayIndex : -1;
  }

  private followLimit(index: number, headerLimit: number, now: number): boolean {
    const table = this.table;
    const isRequests = index === 0 || index === 4;
    if (!table.has(index)) {
      const burst = Math.max(isRequests ? 1 : 0, (headerLimit * this.options.learnedBurstSeconds * 1000) / DIMENSION_PERIOD_MS[RATE_DIMENSIONS[index]!]);
      this.buckets.setLimit(index, headerLimit, burst, now);
      table.set(index, headerLimit, burst, 'provider');
      // The new bucket has no accounting of ours: what it holds is the provider's figure (the
      // remaining one follows), so a refund of a request admitted before would count twice.
      this.syncedAt[index] = now;
      return true;
    }
    // A configured limit is a ceiling; initial and learned ones follow the provider either way.
    const limit = Math.min(headerLimit, table.ceiling[index]!);
    const current = table.limit[index]!;
    if (limit === current) return false;
    // Keep the burst's share of the period.
    const burst = Math.max(isRequests ? 1 : 0, (table.burst[index]! * limit) / current);
    this.buckets.setLimit(index, limit, burst, now);
    table.set(index, limit, burst, 'provider');
    if (table.source[index] === 'initial') table.source[index] = 'provider';
    return true;
  }

  /**
   * The provider's bucket holds `remaining` now and is full again after `reset`: its capacity is
   * remaining + the refill of that time. A learned (or initial) burst above it comes down to it: a
   * minute's worth is the common bucket, but not every provider's (a bucket of a few seconds would
   * otherwise be overrun after every pause). A configured burst is the user's.
   */
  private followBurst(index: number, family: Family, now: number): boolean {
    if (!valid(family.remaining, 0) || !valid(family.resetMs, 0) || this.table.source[index] === 'configured') return false;
    const period = DIMENSION_PERIOD_MS[RATE_DIMENSIONS[index]!];
    const limit = this.table.limit[index]!;
    // Never above what the learned burst would be (resets are rounded, and RFC 3339 ones depend on our clock).
    const capacity = Math.min(family.remaining + (family.resetMs * limit) / period, (limit * this.options.learnedBurstSeconds * 1000) / period);
    const burst = this.table.burst[index]!;
    // Apart by a tenth at least either way: rounding and clock skew are not news.
    if ((capacity > burst * 0.9 && capacity < burst * 1.1) || capacity < (index === 0 || index === 4 ? 1 : 0)) return false;
    this.buckets.setLimit(index, limit, capacity, now);
    this.table.set(index, limit, capacity, 'provider');
    return true;
  }

  private followRemaining(index: number, family: Family, now: number, lease: Lease | undefined, learned: boolean): void {
    const level = this.buckets.level(index, now);
    const slack = learned ? 0 : SLACK_UNITS;
    if (!valid(family.remaining, 0)) {
      if (!valid(family.resetMs, 0)) return;
      // Time until the provider's bucket is full again: it lacks that much refill.
      const intervalMs = DIMENSION_PERIOD_MS[RATE_DIMENSIONS[index]!] / this.table.limit[index]!;
      const target = this.table.burst[index]! - family.resetMs / intervalMs;
      if (target < level - slack) {
        this.buckets.setLevel(index, target, now);
        this.syncedAt[index] = now;
      }
      return;
    }
    // Raised only as far as the learned lead allows (it covers a busy start and what the
    // provider's refusals taught), lowered as far as the configured one says: a burst admitted
    // within a long lead would be counted twice by a fall (the provider has them; nothing in our
    // accounting is wrong), and with no later figure, nothing would take that back but the refill.
    const learnedLead = this.options.lead.ms;
    const floorLead = this.options.lead.floorMs;
    // Unread (what is travelling within the learned lead is no longer known): no raise, a fall still.
    const readLearned = this.read(index, family, now, lease, learnedLead);
    const raiseTo = readLearned ? this.low : NaN;
    let target: number;
    if (learned) {
      // A bucket learned just now has no accounting of ours to stand: it starts at the lower reading.
      if (!readLearned) return;
      target = Number.isNaN(raiseTo) ? this.high : raiseTo;
    } else {
      if (floorLead === learnedLead ? !readLearned : !this.read(index, family, now, lease, floorLead)) return;
      const lowest = Number.isNaN(this.low) ? this.high : this.low;
      target = level > this.high + slack ? lowest : level < raiseTo - slack ? raiseTo : NaN;
    }
    if (Number.isNaN(target)) return;
    this.buckets.setLevel(index, target, now);
    this.syncedAt[index] = now;
  }

  /**
   * Reads a figure against `leadMs` into `high` and `low` (NaN when it cannot be read as at the
   * request's admission); false when what is travelling cannot be told.
   *
   * Taken as fresh (computed as the response left), the figure lacks only what is still
   * travelling. Taken when the provider admitted this request, it lacks everything we admitted
   * since but the refill since too (see atAdmission). Neither can be told apart from here: the
   * provider's bucket holds the lower of the two either way, so our view moves to it when above
   * both (falling only to the higher one left the view above a fresh figure after a long call:
   * the property test's at-response refusal) and when below both; in between, our own
   * accounting stands. Without the request's admission, only the first reading, to lower.
   */
  private read(index: number, family: Family, now: number, lease: Lease | undefined, leadMs: number): boolean {
    const fresh = this.chargedWithinDelay(index, now, leadMs);
    if (Number.isNaN(fresh)) return false;
    // The figure holds its own request (it was served): admitted within the delay, it is not travelling.
    const own = lease !== undefined && index <= 3 && lease.admittedAt > now - leadMs ? dimensionCost(index, lease.tokens, lease.inputTokens, lease.outputTokens) : 0;
    const asFresh = family.remaining! - Math.max(0, fresh - own);
    const asAdmitted = lease?.transitBase !== undefined && index <= 3 ? this.atAdmission(index, family, now, lease, leadMs) : NaN;
    this.high = Number.isNaN(asAdmitted) ? asFresh : Math.max(asFresh, asAdmitted);
    this.low = Math.min(asFresh, asAdmitted);
    return true;
  }

  /**
   * The provider's level now if its figure was taken when it admitted the request (at most
   * the provider delay after our admission): the figure, plus the refill since then (at the rate
   * the same headers state, never above the bucket), less everything we admitted since
   * the provider delay before the request (any of it may have arrived after the figure was taken)
   * except the request itself (the figure includes it).
   */
  private atAdmission(index: number, family: Family, now: number, lease: Lease, leadMs: number): number {
    const own = dimensionCost(index, lease.tokens, lease.inputTokens, lease.outputTokens);
    const bases = lease.transitBase!;
    // Read against the configured delay, the base taken against it where there is one (lease.ts).
    const base = leadMs === this.options.lead.floorMs && bases.length > 4 ? bases[4 + index]! : bases[index]!;
    const since = Math.max(0, this.buckets.charged(index) - base - own);
    let level = family.remaining!;
    if (valid(family.limit, Number.MIN_VALUE) && index === family.index) {
      const elapsed = now - lease.admittedAt - leadMs;
      const capacity = Math.min(this.table.burst[index]!, family.limit);
      if (elapsed > 0) level = Math.min(capacity, level + (family.limit * elapsed) / DIMENSION_PERIOD_MS[RATE_DIMENSIONS[index]!]);
    }
    return level - since;
  }

  /** What we admitted within `leadMs` (still travelling to the provider); NaN when it cannot be told. */
  private chargedWithinDelay(index: number, now: number, leadMs: number): number {
    if (!this.transit || index > 3) return 0;
    return this.transit.chargedAfter(now - leadMs, index, this.buckets.charged(index));
  }
}
