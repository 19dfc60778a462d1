/**
 * How long our admitted requests may take to reach the provider: a provider's figure lacks what
 * we admitted within that time (provider-state.ts), so a figure read against too short a delay
 * raises our view above the provider's and admits what it will refuse. A fixed `providerDelayMs`
 * does not hold when a machine is busy or connections are new: eight processes starting together
 * on two cores sent their first burst 400 ms after admitting it, and the figures of its first
 * responses, read against 100 ms, drew 37-58 × 429.
 *
 * So the lead starts cautious and is learned from the provider's refusals: STARTUP_LEAD_MS when
 * first read (the first figures: connections being set up, code still cold), doubled (to MAX_LEARNED_LEAD_MS)
 * by every 429 the figures did not foresee, and halving every HALF_LIFE_MS back down to the
 * configured `providerDelayMs`, its floor. A longer lead only reads figures more cautiously: while
 * it lasts, the provider keeps the refill of the extra time unused, and gets it back as it decays.
 *
 * Why not from response times: a request cannot reach the provider later than its response comes
 * back, but an LLM call takes seconds, and a lead that long kept 3 % of a minute's budget unused
 * for as long as it lasted (the accuracy benchmark lost 1-2 points of goodput in every scenario).
 */

/** The lead when first read. */
export const STARTUP_LEAD_MS = 1_000;
/** The longest lead (the shared store's transit ring reaches back twice this). */
export const MAX_LEARNED_LEAD_MS = 2_000;
/** How fast a lead above the floor decays. */
const HALF_LIFE_MS = 2_000;
/** Below this above the floor, the lead is the floor (no decay to follow). */
const SETTLED_MS = 1;

export class ProviderLead {
  /** The lead in force as of the last {@link at}, in ms. */
  ms: number;
  private peakMs: number;
  /** When the peak was set (NaN: not started; the first {@link at} starts it). */
  private peakAt = NaN;

  /**
   * `floorMs`: the configured provider delay. `learn`: start cautious and follow the provider's
   * refusals (otherwise the lead is the floor).
   */
  constructor(
    readonly floorMs: number,
    private readonly learn: boolean,
  ) {
    this.peakMs = learn ? Math.max(floorMs, STARTUP_LEAD_MS) : floorMs;
    this.ms = this.peakMs;
  }

  /** The longest lead this can reach (how far back what we admitted must be remembered). */
  get maxMs(): number {
    return this.learn ? Math.max(this.floorMs, MAX_LEARNED_LEAD_MS) : this.floorMs;
  }

  /** The lead at `now` (kept in {@link ms}); the first call starts the decay. */
  at(now: number): number {
    if (this.peakMs === this.floorMs) return this.ms;
    if (Number.isNaN(this.peakAt)) this.peakAt = now;
    this.ms = this.peek(now);
    if (this.ms === this.floorMs) this.peakMs = this.floorMs;
    return this.ms;
  }

  /** The lead at `now`, changing nothing (for stats). */
  peek(now: number): number {
    if (this.peakMs === this.floorMs || Number.isNaN(this.peakAt)) return this.peakMs;
    const above = (this.peakMs - this.floorMs) * Math.pow(0.5, Math.max(0, now - this.peakAt) / HALF_LIFE_MS);
    return above < SETTLED_MS ? this.floorMs : this.floorMs + above;
  }

  /** The provider refused for its limits at `now`, which our reading of its figures did not foresee. */
  rateLimited(now: number): void {
    if (!this.learn) return;
    const current = this.at(now);
    this.peakMs = Math.min(this.maxMs, Math.max(2 * current, this.floorMs + STARTUP_LEAD_MS / 4));
    this.peakAt = now;
    this.ms = this.peakMs;
  }
}
