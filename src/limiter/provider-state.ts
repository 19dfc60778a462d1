/**
 * Following the provider's own rate-limit headers: a lower limit is adopted; a remaining budget
 * below ours lowers our bucket, less what we admitted within the provider delay (still on its way,
 * so not in the provider's figure). Headers never raise our view: reconciling each call's real
 * usage does that, and a stale or rounded header cannot push us over.
 */
import type { LimiterBackend, DimensionSpec } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import type { TransitLog } from './transit-log.js';

/** The pause a state asks for (a usable retry-after), or undefined. */
export function pauseMsOf(state: ProviderRateLimitState): number | undefined {
  const ms = state.retryAfterMs;
  return ms !== undefined && ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

const REQUEST_DIMENSIONS = [0, 4];
const TOKEN_DIMENSIONS = [1, 5];

export class ProviderStateFollower {
  constructor(
    private readonly backend: Pick<LimiterBackend, 'level' | 'setLevel' | 'charged' | 'setLimit'>,
    private readonly dimensions: readonly DimensionSpec[],
    /** The limiter's current limit and burst per dimension (lowered here when the provider says so). */
    private readonly limit: Float64Array,
    private readonly burst: Float64Array,
    private readonly transit: TransitLog | undefined,
    private readonly providerDelayMs: number,
  ) {}

  /** Applies the limits and remaining budgets of `state` (retry-after is the limiter's own business). */
  apply(state: ProviderRateLimitState, now: number): void {
    this.follow(this.pick(REQUEST_DIMENSIONS), state.limitRequests, state.remainingRequests, state.resetRequestsMs, now);
    this.follow(this.pick(TOKEN_DIMENSIONS), state.limitTokens, state.remainingTokens, state.resetTokensMs, now);
    this.follow(this.active(2), state.limitInputTokens, state.remainingInputTokens, undefined, now);
    this.follow(this.active(3), state.limitOutputTokens, state.remainingOutputTokens, undefined, now);
  }

  private follow(dimension: DimensionSpec | undefined, limit: number | undefined, remaining: number | undefined, resetMs: number | undefined, now: number): void {
    if (!dimension) return;
    const index = dimension.index;
    if (limit !== undefined && Number.isFinite(limit) && limit > 0 && limit < this.limit[index]!) {
      // The provider's limit is lower than ours: adopt it, keeping the burst's share of the period.
      const burst = Math.max(index === 0 || index === 4 ? 1 : 0, (this.burst[index]! * limit) / this.limit[index]!);
      this.backend.setLimit(index, limit, burst, now);
      this.limit[index] = limit;
      this.burst[index] = burst;
    }
    let target: number;
    if (remaining !== undefined && Number.isFinite(remaining) && remaining >= 0) {
      target = remaining;
    } else if (resetMs !== undefined && Number.isFinite(resetMs) && resetMs >= 0) {
      // Time until the provider's bucket is full again: it lacks that much refill.
      const intervalMs = dimension.intervalMs * (dimension.limit / this.limit[index]!);
      target = this.burst[index]! - resetMs / intervalMs;
    } else {
      return;
    }
    if (this.transit && index <= 3) target -= this.transit.chargedAfter(now - this.providerDelayMs, index, this.backend.charged(index));
    if (target < this.backend.level(index, now)) this.backend.setLevel(index, target, now);
  }


  private pick(indices: readonly number[]): DimensionSpec | undefined {
    for (const i of indices) {
      const d = this.active(i);
      if (d) return d;
    }
    return undefined;
  }

  private active(index: number): DimensionSpec | undefined {
    return this.dimensions.find((d) => d.index === index);
  }
}
